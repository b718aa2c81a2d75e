import CharterGit
import CharterGovernance
import CharterMetrics
import CharterModel
import CharterPlan
import CharterStatus
import CharterStore
import Crypto
import Foundation

/// One pass of the loop for the watched branch: fetch, load, plan, govern, apply.
///
/// Rights come from the applied state only: routing, rosters and signing keys are read from the
/// store, never from the branch being decided.
public enum Reconciler {
    /// Where votes live on the status branch: `votes/<proposal>/<file>.json`, one signed vote a file.
    public static let votesDirectory = "votes"

    /// Runs one pass against `repository` (a local path or URL) for `branch` (default: the applied
    /// Organization's watched branch, else `main`).
    public static func reconcileOnce(
        repository location: String, branch: String? = nil, store: StateStore, dataDirectory: URL,
        auth: GitAuth = .none, actor: String = "controller", now: Date = Date(), metrics: CharterMetrics = .global
    ) async throws -> ReconcileReport {
        let actual = try store.actualState()
        let applied = try store.appliedRevision()
        let watched = branch ?? actual.organization?.branch ?? "main"
        // Where status, votes and proposal branches are: always the applied Organization's choice.
        let statusBranch = actual.organization?.statusBranch ?? StatusPublisher.defaultBranch
        let proposalPrefix = actual.organization?.proposalBranchPrefix ?? ProposalBranches.defaultPrefix
        let (repository, source) = try await RevisionSource.open(
            SourceRequest(location: location, revision: watched, allowWorkingTree: false, auth: auth),
            dataDirectory: dataDirectory)
        guard let git = repository, let head = source.revision else {
            throw SourceError("\(location) is not a git repository with a branch \(watched)")
        }
        var report = ReconcileReport(
            condition: .stalled, reason: "", message: "", observedRevision: head, appliedRevision: applied?.revision,
            proposal: nil, diagnostics: [], votesRecorded: 0)

        let loaded = Loader.load(source.files)
        guard loaded.isValid else {
            report.reason = .invalidRevision
            report.message = "\(loaded.errorCount) errors in \(String(head.prefix(12))); fix them on \(watched)"
            report.diagnostics = loaded.diagnostics
            return report
        }
        guard let applied else {
            report.reason = .notBootstrapped
            report.message = "nothing is applied yet; run `charter apply --bootstrap` once"
            return report
        }
        let changes = Planner.plan(desired: loaded.state, actual: actual)
        func branchContext(_ head: String) -> ProposalBranches.Context {
            ProposalBranches.Context(
                git: git, location: location, watched: watched, head: head, statusBranch: statusBranch,
                proposalPrefix: proposalPrefix, store: store, auth: auth, actor: actor, now: now, metrics: metrics)
        }
        let proposalSource = ProposalSource.branch(watched)
        try settleApproved(
            of: proposalSource, applied: applied, changes: changes, head: head, store: store, actor: actor, now: now)
        var open = try store.pendingProposals(source: proposalSource).first

        if changes.isEmpty {
            if var stale = open {
                _ = try stale.replan(changeSetHash: changes.hash, head: head, at: now)
                _ = try store.save(stale, actor: actor)
            }
            report.condition = .ready
            report.reason = .upToDate
            report.message = "the applied state matches \(watched) at \(String(head.prefix(12)))"
            report.branches = try await ProposalBranches.pass(branchContext(head))
            return report
        }

        var superseded: [Proposal] = []
        if var current = open {
            // Commits added on top of an unchanged change set bring their authors into the
            // separation of duties too.
            var added: [ProposalCommit] = []
            var newlyIneligible: [String: String] = [:]
            if current.head != head, changes.hash == current.changeSetHash {
                added = try await git.commitsBetween(base: current.head, head: head)
                newlyIneligible = PolicyRouter.ineligibleVoters(
                    for: changes, authorNames: Set(added.map(\.authorName)),
                    authorEmails: Set(added.map(\.authorEmail)), actual: actual)
            }
            if case .superseded = try current.replan(
                changeSetHash: changes.hash, head: head, newCommits: added, newlyIneligible: newlyIneligible, at: now)
            {
                superseded.append(current)
                open = nil
            } else {
                open = current
            }
        }
        var proposal: Proposal
        if let open {
            proposal = open
        } else if let adopted = try store.proposals(state: .approved).first(where: { $0.changeSetHash == changes.hash })
        {
            // A proposal branch approved and merged into the watched branch by a pass that died before
            // its apply: the exact change is approved already, so it is applied, not proposed again.
            proposal = adopted
        } else {
            let commits = try await git.commitsBetween(base: applied.revision, head: head)
            let draft = ProposalDraft(
                source: proposalSource, base: applied.revision, head: head, changeSet: changes, commits: commits,
                actual: actual, createdAt: now)
            proposal = try store.createProposal(draft, saving: superseded, actor: actor)
        }

        if proposal.state == .open {
            let files = try await git.voteFiles(branch: statusBranch, proposal: proposal.id)
            report.votesRecorded = VoteCounter.record(
                files, into: &proposal, actual: actual, now: now, metrics: metrics)
        }
        if proposal.state == .approved {
            // The votes and the approval are saved before the apply, so the event log reads in the
            // order things happened. A crash between this save and the apply leaves an approved
            // proposal, which the next pass applies (the apply is idempotent).
            proposal = try store.save(proposal, actor: actor)
            FailPoint.hit("reconcile.before-apply")
            do {
                let result = try store.apply(
                    changes, revision: head, method: .governed, actor: actor, source: source.description, at: now)
                FailPoint.hit("reconcile.after-apply")
                try proposal.transition(to: .applied, at: now, reason: "applied as revision \(result.revision)")
                report.appliedRevision = result.revision
            } catch {
                try proposal.transition(to: .failed, at: now, reason: "apply failed: \(error)")
            }
        }
        proposal = try store.saveIfChanged(proposal, actor: actor)
        report.proposal = proposal
        switch proposal.state {
        case .applied:
            report.condition = .ready
            report.reason = .applied
            report.message = "\(proposal.id) applied \(String(head.prefix(12)))"
            report.branches = try await ProposalBranches.pass(branchContext(head))
        case .open:
            report.condition = .reconciling
            report.reason = .awaitingVotes
            report.message = "\(proposal.id) \(proposal.explanation)"
        case .rejected:
            report.reason = .rejected
            report.message = "\(proposal.id) was rejected: \(proposal.history.last?.reason ?? "")"
        case .failed:
            report.reason = .applyFailed
            report.message = proposal.history.last?.reason ?? "apply failed"
        case .approved, .superseded:
            report.condition = .reconciling
            report.reason = .pending
            report.message = "\(proposal.id) is \(proposal.state.rawValue)"
        }
        return report
    }
}

extension Reconciler {
    /// Settles an approved proposal that a crash (or a move of the branch) left between its approval
    /// and its apply: marked applied when the last apply was exactly its change set at its head (the
    /// process died after the apply committed), failed when the branch has since moved to another
    /// change set (approvals bind to the change they approved). One with the current change set is
    /// left approved; this pass applies it.
    static func settleApproved(
        of source: ProposalSource, applied: AppliedRevision, changes: ChangeSet, head: String, store: StateStore,
        actor: String, now: Date
    ) throws {
        for var approved in try store.pendingProposals(source: source) where approved.state == .approved {
            if applied.changeSetHash == approved.changeSetHash, applied.revision == approved.head {
                try approved.transition(to: .applied, at: now, reason: "applied as revision \(applied.revision)")
            } else if approved.changeSetHash != changes.hash {
                try approved.transition(
                    to: .failed, at: now,
                    reason:
                        "not applied: \(String(head.prefix(12))) has another change set (\(changes.hash)); it is proposed anew"
                )
            } else {
                continue
            }
            _ = try store.save(approved, actor: actor)
        }
    }
}

/// Records the votes of a proposal's vote files, each judged by the one ``VoteVerifier`` rule.
enum VoteCounter {
    /// Records the votes of `files` not recorded before (matched by signature, or by content for
    /// unsigned votes); returns how many votes and refused files it recorded. Invalid votes (a bad
    /// signature, an unsigned vote where the applied Organization requires signatures, a voter or
    /// key the applied state lacks, a vote filed under another proposal) are recorded as refused
    /// with the verifier's reason; a file that is no vote document at all is recorded as a refused
    /// file with its path and the verifier's reason, so it is shown rather than passed over.
    /// Each vote recorded is counted in `metrics`, accepted or refused with a bounded reason.
    static func record(
        _ files: [(path: String, bytes: [UInt8])], into proposal: inout Proposal, actual: OrgState, now: Date,
        metrics: CharterMetrics = .global
    ) -> Int {
        var seen = Set(proposal.votes.map { $0.vote.signature ?? CanonicalJSON.string(voteKey($0.vote)) })
        let verifier = VoteVerifier(actual: actual)
        var recorded = 0
        for file in files {
            let verdict = verifier.check(file.bytes, subject: proposal.id.description)
            guard let vote = verdict.vote else {
                if case .refused(_, let reason) = verdict,
                    proposal.refuse(file: file.path, digest: digest(file.bytes), because: reason, at: now)
                {
                    recorded += 1
                }
                continue
            }
            // Two files holding the same vote are one vote.
            guard seen.insert(vote.signature ?? CanonicalJSON.string(voteKey(vote))).inserted else { continue }
            switch verdict {
            case .valid:
                switch proposal.record(vote, at: now) {
                case .accepted: metrics.voteCounted()
                case .refused(let refusal): metrics.voteRefused(Self.reason(refusal))
                }
            case .refused(_, let reason):
                proposal.refuse(vote, because: .verifier(reason), at: now)
                metrics.voteRefused(.signature)
            }
            recorded += 1
        }
        return recorded
    }

    /// `sha256:` of a file's bytes.
    static func digest(_ bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The bounded label for a refusal (its sentence names voters and hashes).
    static func reason(_ refusal: ProposalVoteRefusal) -> VoteRefusalReason {
        switch refusal {
        case .otherProposal: .otherProposal
        case .notOpen: .notOpen
        case .otherChange: .otherChange
        case .signature, .verifier: .signature
        case .tally(.notAMember): .notMember
        case .tally(.ineligible): .ineligible
        case .tally(.duplicate): .duplicate
        case .tally(.boardDecided), .tally(.proposalDecided): .decided
        }
    }

    /// What identifies an unsigned vote: its fields.
    static func voteKey(_ vote: ProposalVote) -> Value {
        [
            "voter": .string(vote.voter), "decision": .string(vote.decision.rawValue),
            "hash": .string(vote.changeSetHash), "time": .double(vote.time.timeIntervalSince1970),
        ]
    }
}
