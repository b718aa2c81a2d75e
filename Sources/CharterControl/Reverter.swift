import CharterGit
import CharterGovernance
import CharterModel
import CharterStore
import Foundation

/// What `charter revert` prepared.
public struct PreparedRevert: Sendable {
    /// The proposal branch created, e.g. `proposals/revert-p-0007`.
    public var branch: String
    /// Its commit.
    public var commit: ObjectID
    /// The files it restores, sorted.
    public var paths: [String]
}

/// Undo is a proposal too: `charter revert P-0007` writes a commit on top of the watched branch that
/// restores every file P-0007's apply changed to its content before, onto a new proposal branch.
/// The controller then proposes it like any proposal branch — routed, voted on, merged, applied.
public enum Reverter {
    /// Prepares the revert of applied proposal `id` in `location` (a path or URL) against `watched`, on
    /// the branch `<proposalPrefix>revert-<id>` (the applied Organization's prefix, so the controller
    /// finds it). Refused when the proposal was not applied, when a file it changed has changed again
    /// since (revert that by hand: an automatic revert could undo someone else's work), or when the
    /// branch exists.
    public static func prepare(
        _ id: ProposalID, location: String, watched: String, proposalPrefix: String = ProposalBranches.defaultPrefix,
        store: StateStore, dataDirectory: URL, auth: GitAuth = .none, author: GitSignature
    ) async throws -> PreparedRevert {
        guard let proposal = try store.proposal(id: id) else {
            throw SourceError("no proposal \(id) in this data directory; see `charter proposals`")
        }
        guard proposal.state == .applied else {
            throw SourceError(
                "\(id) is \(proposal.state.rawValue); only an applied proposal can be reverted")
        }
        guard
            let applied = try store.history(limit: Int.max).first(where: { $0.changeSetHash == proposal.changeSetHash }
            ),
            let appliedCommit = ObjectID(hex: applied.revision), let base = ObjectID(hex: proposal.base)
        else { throw SourceError("the apply of \(id) is not in the store's history; nothing to revert") }

        let (repository, source) = try await RevisionSource.open(
            SourceRequest(location: location, revision: "refs/heads/" + watched, allowWorkingTree: false, auth: auth),
            dataDirectory: dataDirectory)
        guard let git = repository, let headHex = source.revision, let head = ObjectID(hex: headHex) else {
            throw SourceError("\(location) is not a git repository with a branch \(watched)")
        }
        var changes: [String: FileUpdate] = [:]
        var conflicts: [String] = []
        for change in try await git.changedPaths(from: base, to: appliedCommit)
        where ConfigPaths.isConfigFile(change.path) {
            let now = try await git.blobID(at: head, path: change.path)
            guard now == change.newBlob else {
                conflicts.append(change.path)
                continue
            }
            if let old = change.oldBlob {
                changes[change.path] = .write(try await git.blobData(old))
            } else {
                changes[change.path] = .delete
            }
        }
        guard conflicts.isEmpty else {
            throw SourceError(
                "cannot revert \(id) automatically: \(conflicts.sorted().joined(separator: ", ")) changed again since; edit the files back by hand on a proposals/ branch"
            )
        }
        guard !changes.isEmpty else { throw SourceError("\(id) changed no configuration file; nothing to revert") }
        let branch = "\(proposalPrefix)revert-\(id.description.lowercased())"
        let message =
            "Revert \(id)\n\nRestores \(changes.count) file\(changes.count == 1 ? "" : "s") changed by \(id) (applied as \(applied.revision.prefix(12))).\n"
        let commit = try await git.createCommit(parent: head, changes: changes, message: message, author: author)
        let reference = "refs/heads/" + branch
        do {
            try await git.updateRef(reference, to: commit, expected: nil, message: "charter: revert \(id)")
            if SourceRequest.isRemote(location) {
                try await git.push(to: location, refspecs: ["\(reference):\(reference)"], auth: auth)
            }
        } catch let error as GitError
            where error.code == .exists || error.code == .pushRejected || error.code == .nonFastForward
        {
            throw SourceError(
                "the branch \(branch) already exists; merge or delete it before preparing another revert")
        }
        return PreparedRevert(branch: branch, commit: commit, paths: changes.keys.sorted())
    }
}
