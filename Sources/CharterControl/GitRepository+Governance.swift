import CharterGit
import CharterGovernance
import Foundation

extension GitRepository {
    /// The commits after `base` up to `head`, newest first, following first parents (the history
    /// of the watched branch); bounded so a wrong base cannot walk a whole repository.
    func commitsBetween(base: String, head: String, limit: Int = 1000) throws -> [ProposalCommit] {
        var out: [ProposalCommit] = []
        var next = ObjectID(hex: head)
        while let id = next, id.hex != base, out.count < limit {
            let info = try commit(id)
            out.append(
                ProposalCommit(
                    id: id.hex, authorName: info.author.name, authorEmail: info.author.email, summary: info.summary))
            next = info.parents.first
        }
        return out
    }

    /// The paths and contents of the vote files for `proposal` on the status `branch`, or none
    /// when the branch or the directory does not exist yet. Only `votes/<proposal>/<name>.json`
    /// regular files count: an entry someone crafted there (`..`, a nested directory, a symlink) is
    /// not a vote.
    func voteFiles(branch: String, proposal: ProposalID) throws -> [(path: String, bytes: [UInt8])] {
        guard let tip = try headCommitOfBranch(branch) else { return [] }
        let prefix = "\(Reconciler.votesDirectory)/\(proposal)/"
        let files = try listFiles(at: tip, where: { $0.hasPrefix(prefix) })
        return try files.filter { StatusLayout.isVote($0, on: proposal.description) }.map {
            ($0.path, try blobData($0.blob))
        }
    }
}
