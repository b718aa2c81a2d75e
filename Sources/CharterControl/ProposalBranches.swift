import CharterGit
import CharterGovernance
import CharterMetrics
import CharterModel
import CharterPlan
import CharterStore
import Foundation

/// What the controller did with one proposal branch in a pass.
public struct BranchOutcome: Sendable, Hashable {
    /// Why, in one CamelCase word.
    public struct Reason: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }
        public var description: String { rawValue }

        /// The branch's proposal waits for votes.
        public static let awaitingVotes: Reason = "AwaitingVotes"
        /// The branch was approved, merged into the watched branch and applied.
        public static let merged: Reason = "Merged"
        /// The branch does not merge cleanly into the watched branch.
        public static let conflict: Reason = "Conflict"
        /// The merged revision does not load.
        public static let invalidRevision: Reason = "InvalidRevision"
        /// The branch changes nothing the watched branch does not already apply.
        public static let noChanges: Reason = "NoChanges"
        /// The watched branch moved while the approved branch was merged; the next pass retries.
        public static let mergeRaced: Reason = "MergeRaced"
        /// Another branch was merged in this pass; this one is planned again next pass.
        public static let waiting: Reason = "Waiting"
        /// The branch cannot be read or merged at all (an entry git refuses, such as `.git`, or an object
        /// that cannot be read); it is skipped, and the other branches go on.
        public static let unreadable: Reason = "Unreadable"
    }

    /// The branch, e.g. `proposals/rename-research`.
    public var branch: String
    /// The proposal for it, as saved after the pass, when there is one.
    public var proposal: ProposalID?
    /// Why: one of the constants of ``Reason``, or the proposal's state (`Rejected`, `Failed`…).
    public var reason: Reason
    /// What happened, for people.
    public var message: String
}

/// Proposal branches, like pull requests with a merge bot: a branch `proposals/NAME` is a change
/// against the watched branch. The controller merges it (in memory) into the watched branch's tip,
/// plans the merged tree against the applied state, routes and counts votes like any proposal, and
/// once approved writes the merge commit onto the watched branch (compare-and-swap: never over a
/// push it has not seen) and applies it.
///
/// Branches are considered only while the watched branch itself is fully applied, so a branch's
/// change set is exactly its own change; at most one branch is merged per pass, because a merge
/// moves the watched branch that every other branch was planned against.
public enum ProposalBranches {
    /// The Organization's default `controller.proposalBranchPrefix`.
    public static let defaultPrefix = "proposals/"

    struct Context {
        var git: GitRepository
        var location: String
        var watched: String
        var head: String
        var statusBranch: String
        /// The applied Organization's `controller.proposalBranchPrefix`, such as `proposals/`.
        var proposalPrefix: String
        var store: StateStore
        var auth: GitAuth
        var actor: String
        var now: Date
        var metrics: CharterMetrics = .global
    }

    static func pass(_ c: Context) async throws -> [BranchOutcome] {
        let actual = try c.store.actualState()
        guard let watchedHead = ObjectID(hex: c.head) else { return [] }
        let prefix = "refs/heads/" + c.proposalPrefix
        var outcomes: [BranchOutcome] = []
        var merged = false
        for branch in try await c.git.branches() where branch.reference.hasPrefix(prefix) {
            let name = String(branch.reference.dropFirst(prefix.count))
            let shown = c.proposalPrefix + name
            let reading: Reading
            do {
                // Already part of the watched branch (merged, or never diverged): nothing to propose.
                if try await c.git.isAncestor(branch.target, of: watchedHead) { continue }
                if merged {
                    outcomes.append(
                        BranchOutcome(
                            branch: shown, proposal: nil, reason: .waiting,
                            message: "another proposal branch was merged in this pass; planned again next pass"))
                    continue
                }
                reading = try await read(branch: shown, tip: branch.target, watchedHead: watchedHead, actual: actual, c)
            } catch {
                // Whatever is in one branch must not stop the pass: it is reported and skipped.
                outcomes.append(
                    BranchOutcome(
                        branch: shown, proposal: nil, reason: .unreadable,
                        message:
                            "\(shown) cannot be read or merged: \(error); it is skipped until it is fixed or deleted"))
                continue
            }
            switch reading {
            case .done(let outcome): outcomes.append(outcome)
            case .merged(let candidate):
                let outcome = try await propose(candidate, source: .proposalBranch(name), actual: actual, c)
                merged = merged || outcome.reason == .merged
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    /// A proposal branch merged (in memory) into the watched branch's tip and planned.
    struct Candidate {
        var branch: String
        var tip: ObjectID
        var watchedHead: ObjectID
        var tree: ObjectID
        var changes: ChangeSet
        var base: ObjectID?
    }

    /// What reading a branch gave: a candidate to govern, or an outcome already.
    enum Reading {
        case merged(Candidate)
        case done(BranchOutcome)
    }

    /// Reads `branch` against the watched branch, touching nothing: the merge, the load and the plan.
    /// Everything here depends on the branch's contents, so a failure is the branch's problem.
    static func read(
        branch: String, tip: ObjectID, watchedHead: ObjectID, actual: OrgState, _ c: Context
    ) async throws -> Reading {
        var outcome = BranchOutcome(branch: branch, proposal: nil, reason: "", message: "")
        func refused(_ tooLarge: RevisionTooLarge) -> Reading {
            // One hostile branch is refused; the pass goes on with the others.
            outcome.reason = .invalidRevision
            outcome.message = "\(branch) merged into \(c.watched) is refused: \(tooLarge.message)"
            return .done(outcome)
        }
        do {
            // Before the merge, which walks every entry of the trees the branch adds: a small push
            // can list one tree inside itself billions of times.
            _ = try await RevisionSource.checkedEntries(of: c.git, at: tip)
        } catch let tooLarge as RevisionTooLarge {
            return refused(tooLarge)
        }
        let merge = try await c.git.merge(ours: watchedHead, theirs: tip)
        guard let tree = merge.tree else {
            outcome.reason = .conflict
            outcome.message =
                "\(branch) does not merge cleanly into \(c.watched): \(merge.conflicts.joined(separator: ", ")); rebase it"
            return .done(outcome)
        }
        let probe = try await c.git.createCommit(
            tree: tree, parents: [watchedHead, tip], message: "Merge \(branch) into \(c.watched)",
            author: signature(c))
        let loaded: LoadResult
        do {
            loaded = Loader.load(try await RevisionSource.files(of: c.git, at: probe))
        } catch let tooLarge as RevisionTooLarge {
            return refused(tooLarge)
        }
        guard loaded.isValid else {
            outcome.reason = .invalidRevision
            outcome.message =
                "\(loaded.errorCount) errors in \(branch) merged into \(c.watched); first: \(loaded.diagnostics.first.map(\.description) ?? "")"
            return .done(outcome)
        }
        let base = try await c.git.mergeBase(watchedHead, tip)
        return .merged(
            Candidate(
                branch: branch, tip: tip, watchedHead: watchedHead, tree: tree,
                changes: Planner.plan(desired: loaded.state, actual: actual), base: base))
    }

    static func signature(_ c: Context) -> GitSignature {
        GitSignature(name: "Charter", email: "charter@localhost", date: c.now)
    }

    static func propose(
        _ m: Candidate, source: ProposalSource, actual: OrgState, _ c: Context
    ) async throws -> BranchOutcome {
        let (branch, tip, watchedHead, changes) = (m.branch, m.tip, m.watchedHead, m.changes)
        var outcome = BranchOutcome(branch: branch, proposal: nil, reason: "", message: "")
        var pending = try c.store.pendingProposals(source: source).first
        if changes.isEmpty {
            if var stale = pending, stale.state == .open {
                _ = try stale.replan(changeSetHash: changes.hash, head: tip.hex, at: c.now)
                _ = try c.store.save(stale, actor: c.actor)
            }
            outcome.reason = .noChanges
            outcome.message = "\(branch) changes nothing that \(c.watched) does not already apply"
            return outcome
        }
        var superseded: [Proposal] = []
        if var current = pending {
            if current.state == .approved, current.changeSetHash != changes.hash {
                try current.transition(
                    to: .failed, at: c.now, reason: "not merged: \(branch) now has another change set (\(changes.hash))"
                )
                superseded.append(current)
                pending = nil
            } else {
                var added: [ProposalCommit] = []
                var newlyIneligible: [String: String] = [:]
                if current.head != tip.hex, changes.hash == current.changeSetHash {
                    added = try await c.git.commitsBetween(base: current.head, head: tip.hex)
                    newlyIneligible = PolicyRouter.ineligibleVoters(
                        for: changes, authorNames: Set(added.map(\.authorName)),
                        authorEmails: Set(added.map(\.authorEmail)), actual: actual)
                }
                if case .superseded = try current.replan(
                    changeSetHash: changes.hash, head: tip.hex, newCommits: added, newlyIneligible: newlyIneligible,
                    at: c.now)
                {
                    superseded.append(current)
                    pending = nil
                } else {
                    pending = current
                }
            }
        }
        var proposal: Proposal
        if let pending {
            proposal = pending
        } else {
            let commits = try await c.git.commitsBetween(base: m.base?.hex ?? "", head: tip.hex)
            let draft = ProposalDraft(
                source: source, base: c.head, head: tip.hex, changeSet: changes, commits: commits, actual: actual,
                createdAt: c.now)
            proposal = try c.store.createProposal(draft, saving: superseded, actor: c.actor)
        }
        outcome.proposal = proposal.id
        if proposal.state == .open {
            let files = try await c.git.voteFiles(branch: c.statusBranch, proposal: proposal.id)
            _ = VoteCounter.record(files, into: &proposal, actual: actual, now: c.now, metrics: c.metrics)
        }
        if proposal.state == .approved {
            proposal = try c.store.save(proposal, actor: c.actor)
            let message = "Merge \(branch) into \(c.watched) (\(proposal.id))\n\n\(proposal.explanation)\n"
            let mergeCommit = try await c.git.createCommit(
                tree: m.tree, parents: [watchedHead, tip], message: message, author: signature(c))
            do {
                try await moveWatchedBranch(to: mergeCommit, from: watchedHead, c)
            } catch let error as GitError
                where error.code == .modified || error.code == .pushRejected || error.code == .nonFastForward
            {
                outcome.reason = .mergeRaced
                outcome.message =
                    "\(proposal.id) is approved, but \(c.watched) moved while merging \(branch); the next pass plans it again"
                return outcome
            }
            let result = try c.store.apply(
                changes, revision: mergeCommit.hex, method: .governed, actor: c.actor,
                source: "\(c.location) \(branch)", at: c.now)
            try proposal.transition(
                to: .applied, at: c.now, reason: "merged into \(c.watched) as \(mergeCommit.short), applied")
            proposal = try c.store.save(proposal, actor: c.actor)
            outcome.reason = .merged
            outcome.message = "\(proposal.id) merged \(branch) into \(c.watched) as \(result.revision.prefix(12))"
            return outcome
        }
        proposal = try c.store.saveIfChanged(proposal, actor: c.actor)
        outcome.reason =
            proposal.state == .open
            ? .awaitingVotes : BranchOutcome.Reason(rawValue: proposal.state.rawValue.capitalized)
        outcome.message = "\(proposal.id) (\(branch)) \(proposal.explanation)"
        return outcome
    }

    /// Moves the watched branch from `old` to `new` by compare-and-swap: the local repository's ref
    /// directly, a remote by a non-forced push (a fast-forward, since `new`'s first parent is `old`).
    static func moveWatchedBranch(to new: ObjectID, from old: ObjectID, _ c: Context) async throws {
        let reference = "refs/heads/" + c.watched
        try await c.git.updateRef(reference, to: new, expected: old, message: "charter: merge proposal")
        if SourceRequest.isRemote(c.location) {
            try await c.git.push(to: c.location, refspecs: ["\(reference):\(reference)"], auth: c.auth)
        }
    }
}
