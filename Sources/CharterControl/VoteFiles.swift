import CharterGovernance
import CharterModel
import Crypto

/// Where a vote file goes on the status branch: `votes/SUBJECT/VOTER-TIME-DIGEST.json`, the path
/// `charter vote` and `POST /api/v1/votes` both commit to.
public enum VoteFiles {
    /// The path for `document`, signed with `signature` (or unsigned, `bytes` then name it). The
    /// digest in the name keeps two votes from ever sharing a path, so none overwrites another.
    public static func path(for document: VoteDocument, signature: String?, bytes: [UInt8]) -> String {
        let digest =
            signature.map { CanonicalJSON.sha256(.string($0)) } ?? CanonicalJSON.hex(SHA256.hash(data: bytes))
        return
            "\(Reconciler.votesDirectory)/\(document.proposal)/\(document.voter)-\(document.time.filter(\.isNumber))-\(digest.prefix(12)).json"
    }
}
