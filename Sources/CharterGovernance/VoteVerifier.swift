import CharterModel

/// The one rule that decides whether a vote file is a valid vote, used by every reader: the pass
/// that records proposal votes, the pass that counts workflow approvals, and `charter verify`.
///
/// A vote is valid when its file parses as a vote document, names the request it is filed under
/// (and, when one is given, the hash it must bind to), its voter is a Person in the **applied**
/// state, and either its SSHSIG signature verifies against one of that Person's applied keys, or
/// it is unsigned and the applied Organization sets `governance.requireSignedVotes: false`.
/// Whether a valid vote then *counts* (board membership, the author of a change, quorum) is the
/// tally's business, not this rule's.
public struct VoteVerifier: Sendable {
    /// The applied state rights come from.
    public let actual: OrgState

    /// A verifier over the applied `actual` state.
    public init(actual: OrgState) { self.actual = actual }

    /// Whether the applied Organization requires signed votes (the default).
    public var signaturesRequired: Bool { actual.organization?.requireSignedVotes ?? true }

    /// What the rule says about one vote file.
    public enum Verdict: Sendable, Hashable {
        /// A valid vote: its document, and its signature when it was signed.
        case valid(VoteDocument, signature: String?)
        /// Not a vote that can count; `document` when the file at least parsed.
        case refused(VoteDocument?, reason: String)

        /// The vote as a proposal records it, when the file parsed.
        public var vote: ProposalVote? {
            switch self {
            case .valid(let document, let signature):
                var vote = ProposalVote(document)
                vote.signature = signature
                return vote
            case .refused(let document, _):
                return document.map(ProposalVote.init)
            }
        }
    }

    /// The verdict on `bytes`, a vote file filed under `subject` (a proposal id or `RUN/STEP`),
    /// which must bind to `hash` when it is given.
    public func check(_ bytes: [UInt8], subject: String, hash: String? = nil) -> Verdict {
        let parsed: (document: VoteDocument, signature: String?)
        do {
            parsed = try Self.parse(bytes)
        } catch {
            return .refused(nil, reason: "not a vote document: \(error.description)")
        }
        let document = parsed.document
        if document.proposal != subject {
            return .refused(document, reason: "votes on \(document.proposal) but is filed under \(subject)")
        }
        if let hash, document.changeSetHash != hash {
            return .refused(document, reason: "binds to \(document.changeSetHash), but \(subject) is \(hash)")
        }
        guard let person = actual.people[document.voter] else {
            return .refused(document, reason: "\(document.voter) is not a Person in the applied state")
        }
        guard let signature = parsed.signature else {
            if signaturesRequired {
                return .refused(
                    document, reason: "the vote is not signed and the Organization requires signed votes")
            }
            return .valid(document, signature: nil)
        }
        let keys = person.sshKeys.compactMap { try? SSHPublicKey(authorizedKey: $0) }
        if keys.isEmpty { return .refused(document, reason: "\(document.voter) has no SSH key in the applied state") }
        do {
            try SignedVote(document: document, signature: signature).verify(allowedKeys: keys)
        } catch {
            return .refused(document, reason: "signature by \(document.voter) does not verify: \(error)")
        }
        return .valid(document, signature: signature)
    }

    /// The document and signature of a vote file: a signed vote, or the fields alone.
    static func parse(_ bytes: [UInt8]) throws(VoteDocumentError) -> (VoteDocument, String?) {
        let value: Value
        do {
            value = try Value(json: bytes)
        } catch {
            throw VoteDocumentError(field: "file", message: "\(error)")
        }
        if value["signature"] != nil {
            let signed = try SignedVote(value: value)
            return (signed.document, signed.signature)
        }
        return (try VoteDocument(value: value), nil)
    }
}
