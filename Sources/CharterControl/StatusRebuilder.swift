import CharterGit
import CharterGovernance
import CharterModel
import CharterStatus
import CharterStore
import Foundation

/// What `charter rebuild` found and made.
public struct RebuildReport: Sendable {
    /// The status branch read.
    public var branch: String
    /// Its tip.
    public var tip: ObjectID
    /// The directory of the rebuilt store.
    public var directory: URL
    /// What was recreated.
    public var summary: RebuildSummary
    /// The rebuilt store's ``StateStore/stateHash()``.
    public var stateHash: String
}

/// Recreates the SQLite index from the status branch alone: the event chain (verified first), the
/// change sets in `blobs/` that the apply events name, and `proposals/<id>/proposal.json`.
public enum StatusRebuilder {
    /// Rebuilds into a new store in `directory` (which must not hold a store yet) from the status
    /// `branch` of `location` (a path or URL; a remote is fetched into the status mirror first).
    public static func rebuild(
        location: String, branch: String, dataDirectory: URL, auth: GitAuth = .none, into directory: URL
    ) async throws -> RebuildReport {
        let reference = "refs/heads/" + branch
        let repository = try await StatusWriter.statusRepository(
            of: location, branch: branch, dataDirectory: dataDirectory, auth: auth)
        guard let tip = try await repository.headCommitOfBranch(reference) else {
            throw SourceError("\(location) has no status branch \(branch); nothing to rebuild from")
        }
        let files = try await repository.listFiles(at: tip)
        let chain = try await EventChain.read(from: repository, at: tip)
        if let problem = chain.verify() {
            throw SourceError(
                "the event chain on \(branch) is broken (\(problem)); run `charter verify` and repair the branch first")
        }
        var blobs: [String: [UInt8]] = [:]
        var proposals: [Proposal] = []
        for file in files {
            if let hash = BlobStore.hash(ofPath: file.path) {
                let bytes = try await repository.blobData(file.blob)
                guard BlobStore.hash(bytes) == hash else {
                    throw SourceError("\(file.path) on \(branch) does not hash to its name; run `charter verify`")
                }
                blobs[hash] = bytes
            } else if file.path.hasPrefix("proposals/"), file.path.hasSuffix("/proposal.json") {
                do {
                    proposals.append(try Proposal.decodeJSON(Data(try await repository.blobData(file.blob))))
                } catch {
                    throw SourceError("\(file.path) on \(branch) does not parse: \(error)")
                }
            }
        }
        let store = try StateStore(directory: directory)
        let summary = try store.rebuild(from: RebuildInput(events: chain.events, blobs: blobs, proposals: proposals))
        return RebuildReport(
            branch: branch, tip: tip, directory: directory, summary: summary, stateHash: try store.stateHash())
    }
}
