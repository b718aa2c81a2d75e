import CharterModel
import CharterPlan
import Foundation

/// A change set waiting for (or past) the approval of its boards: like a pull request with
/// required reviewers, bound to the exact change by its hash. A pure value; the store persists it.
///
/// - Created ``ProposalState/open``. Routing that refuses the change (a `forbid` rule, a guard, an
///   unrouted change) rejects it at once with the reasons; routing that auto-approves it approves
///   it at once ("auto-approved by rule …"). Both states are kept in ``history``. A proposal whose
///   boards can never reach quorum (every member ineligible, say) is rejected at once too.
/// - ``record(_:at:)`` takes votes; when the tally decides, the proposal moves to approved or
///   rejected by itself. Refused votes are kept with their reason.
/// - ``replan(changeSetHash:head:at:)`` keeps the proposal when the change set is unchanged and
///   supersedes it otherwise.
/// - ``transition(to:at:reason:)`` enforces the table of ``ProposalState``.
public struct Proposal: Sendable, Hashable, Codable {
    /// The readable id.
    public let id: ProposalID
    /// Where the desired state comes from.
    public let source: ProposalSource
    /// The applied revision the change set was planned against.
    public let base: String
    /// The desired revision; may move while the change set stays the same.
    public private(set) var head: String
    /// The change set's hash (`sha256:…`): votes bind to it.
    public let changeSetHash: String
    /// The changes, in change-set order.
    public let changes: [ProposalChange]
    /// The commits in (base, head]; grows when the head moves without changing the change set.
    public private(set) var commits: [ProposalCommit]
    /// The rules that routed the change set (`policy/rule`), in the order rules are tried.
    public let rules: [String]
    /// The boards that must all approve, sorted by name, frozen at creation.
    public let boards: [RequiredBoard]
    /// People who may not vote on it, with the reason; grows with the authors of commits added later.
    public private(set) var ineligible: [String: String]
    /// Whether routing auto-approved it.
    public let autoApproved: Bool
    /// Why routing refused it (non-empty means it was rejected at creation).
    public let refusals: [String]
    /// When it was created.
    public let createdAt: Date
    /// The current state.
    public private(set) var state: ProposalState
    /// Every state it entered, oldest first (the first is always `open`).
    public private(set) var history: [ProposalTransition]
    /// Every vote it was given, accepted or refused, in order.
    public private(set) var votes: [RecordedVote]
    /// Vote files refused before they were votes (they do not parse), in the order recorded.
    public var refusedVoteFiles: [RefusedVoteFile] { storedRefusedVoteFiles ?? [] }
    /// ``refusedVoteFiles``; absent (nil) while there are none, so the JSON of a proposal without
    /// any is what it was before they were recorded, and old records decode.
    private var storedRefusedVoteFiles: [RefusedVoteFile]?
    /// The store's version of this record, for optimistic concurrency: a save of an older version
    /// is refused. 0 for a proposal the store has not seen.
    public var version: Int

    enum CodingKeys: String, CodingKey {
        case id, source, base, head, changeSetHash, changes, commits, rules, boards, ineligible, autoApproved
        case refusals, createdAt, state, history, votes, version
        case storedRefusedVoteFiles = "refusedVoteFiles"
    }

    /// A new proposal `id` from `draft`, with the states its routing decides at once.
    public init(id: ProposalID, draft: ProposalDraft) {
        let routing = draft.routing
        var rules: [RuleReference] = []
        var autoRules: [RuleReference] = []
        for change in routing.changes {
            for d in change.decisions {
                if !rules.contains(d.rule) { rules.append(d.rule) }
                if d.action == .autoApprove && !autoRules.contains(d.rule) { autoRules.append(d.rule) }
            }
        }
        self.id = id
        source = draft.source
        base = draft.base
        head = draft.head
        changeSetHash = draft.changeSet.hash
        changes = draft.changeSet.changes.map { ProposalChange(id: $0.id, action: $0.action) }
        commits = draft.commits
        self.rules = rules.sorted().map(\.description)
        boards = routing.requiredBoards.map(RequiredBoard.init).sorted { $0.board < $1.board }
        ineligible = draft.ineligible
        autoApproved = routing.isAutoApproved
        refusals = routing.isRoutable ? [] : routing.errors
        createdAt = Self.milliseconds(draft.createdAt)
        state = .open
        history = [
            ProposalTransition(
                state: .open, time: createdAt,
                reason: "created from \(draft.source) at \(Self.short(draft.head))", afterVotes: 0)
        ]
        votes = []
        version = 0

        if !refusals.isEmpty {
            move(to: .rejected, at: createdAt, reason: "refused by policy: " + refusals.joined(separator: "; "))
        } else if autoApproved {
            let reason =
                autoRules.isEmpty
                ? "auto-approved: no change needs approval"
                : "auto-approved by rule \(autoRules.sorted().map(\.description).joined(separator: ", "))"
            move(to: .approved, at: createdAt, reason: reason)
        } else {
            settle(at: createdAt)
        }
    }

    /// The authors of ``commits``, without duplicates, sorted.
    public var authors: [ProposalAuthor] {
        Set(commits.map { ProposalAuthor(name: $0.authorName, email: $0.authorEmail) }).sorted()
    }

    /// The names of the required boards, sorted.
    public var boardNames: [String] { boards.map(\.board) }

    /// The tally of the accepted votes, replayed in order over the boards' frozen rosters.
    public var tally: ProposalTally {
        var t = ProposalTally(boards: boards.map { $0.tally(ineligible: ineligible) })
        for v in votes where v.accepted { t.record(v.vote.decision, by: v.vote.voter) }
        return t
    }

    /// What happened or what is still needed: the tally's explanation while open, else the reason
    /// of the last transition.
    public var explanation: String {
        state == .open ? tally.explanation : history.last?.reason ?? ""
    }

    /// When the proposal entered its current state.
    public var stateChangedAt: Date { history.last?.time ?? createdAt }

    /// Moves to `next`, recording `reason`. Only the transitions of ``ProposalState`` are allowed,
    /// and `open → approved` only when every board approved or routing auto-approved it; votes
    /// normally make that move by themselves (``record(_:at:)``).
    public mutating func transition(to next: ProposalState, at time: Date, reason: String) throws(ProposalError) {
        guard state.canMove(to: next) else { throw .invalidTransition(proposal: id, from: state, to: next) }
        if state == .open && next == .approved && !autoApproved {
            let tally = self.tally
            guard tally.outcome == .approved else { throw .notApproved(proposal: id, explanation: tally.explanation) }
        }
        move(to: next, at: time, reason: reason)
    }

    /// Why `vote` would be refused, or `nil` when it counts: it names another proposal, the
    /// proposal is not open, it names another change set, or the tally refuses it.
    public func check(_ vote: ProposalVote) -> ProposalVoteRefusal? {
        if let named = vote.proposal, named != id.description { return .otherProposal(voted: named, proposal: id) }
        guard state == .open else { return .notOpen(proposal: id, state: state) }
        guard vote.changeSetHash == changeSetHash else {
            return .otherChange(voted: vote.changeSetHash, proposal: changeSetHash)
        }
        return tally.check(vote.decision, by: vote.voter).refusal.map(ProposalVoteRefusal.tally)
    }

    /// Records `vote` (its signature, if any, already verified by the caller) at `time`. An accepted
    /// vote updates the tally, and when the tally decides the proposal moves to approved or
    /// rejected. A refused vote is kept with its reason and changes nothing else.
    @discardableResult
    public mutating func record(_ vote: ProposalVote, at time: Date) -> ProposalVoteResult {
        if let refusal = check(vote) {
            refuse(vote, because: refusal, at: time)
            return .refused(refusal)
        }
        var vote = vote
        vote.time = Self.milliseconds(vote.time)
        votes.append(
            RecordedVote(
                sequence: votes.count + 1, vote: vote, recordedAt: Self.milliseconds(time), accepted: true,
                reason: nil))
        settle(at: time)
        return .accepted
    }

    /// Records the vote file at `path` (with `sha256:` `digest` of its bytes), which the vote rule
    /// refused for `reason` before it could be read as a vote. It never counts; a file already
    /// recorded with the same digest is not recorded again.
    ///
    /// - Returns: whether it was recorded now.
    @discardableResult
    public mutating func refuse(file path: String, digest: String, because reason: String, at time: Date) -> Bool {
        guard !refusedVoteFiles.contains(where: { $0.path == path && $0.digest == digest }) else { return false }
        storedRefusedVoteFiles =
            refusedVoteFiles + [
                RefusedVoteFile(path: path, digest: digest, reason: reason, recordedAt: Self.milliseconds(time))
            ]
        return true
    }

    /// Records `vote` as refused for `refusal`, such as a signature that does not verify
    /// (``ProposalVoteRefusal/signature(_:)``). It never counts.
    public mutating func refuse(_ vote: ProposalVote, because refusal: ProposalVoteRefusal, at time: Date) {
        var vote = vote
        vote.time = Self.milliseconds(vote.time)
        votes.append(
            RecordedVote(
                sequence: votes.count + 1, vote: vote, recordedAt: Self.milliseconds(time), accepted: false,
                reason: refusal.description))
    }

    /// Re-plans after the desired state moved to `head` whose change set has `changeSetHash`. The
    /// same hash keeps the proposal, its id and its votes, and moves its head. Another hash
    /// supersedes an open proposal (its votes lapse); the caller then creates a new one. An
    /// approved proposal cannot be superseded (apply it or let it fail first); a final one cannot be
    /// re-planned at all.
    ///
    /// When the head moves and the change set stays, `newCommits` (the commits in (old head, new
    /// head]) join ``commits`` and `newlyIneligible` (their authors, say) joins ``ineligible`` while
    /// the proposal is open, so pushing an empty commit on top of someone else's change does not let
    /// its author vote on it. An ineligible voter's earlier vote stops counting in the tally.
    public mutating func replan(
        changeSetHash newHash: String, head newHead: String, newCommits: [ProposalCommit] = [],
        newlyIneligible: [String: String] = [:], at time: Date
    ) throws(ProposalError)
        -> ReplanOutcome
    {
        guard !state.isFinal else { throw .closed(proposal: id, state: state) }
        if newHash == changeSetHash {
            if newHead != head {
                commits += newCommits.filter { c in !commits.contains(c) }
                if state == .open {
                    ineligible.merge(newlyIneligible) { old, _ in old }
                    settle(at: time)
                }
            }
            head = newHead
            return .kept
        }
        try transition(
            to: .superseded, at: time,
            reason: "superseded: \(Self.short(newHead)) has another change set (\(newHash))")
        return .superseded
    }

    /// Moves to the approved or rejected state when the tally is decided and the proposal is open.
    private mutating func settle(at time: Date) {
        guard state == .open else { return }
        let status = tally.status
        switch status.outcome {
        case .approved: move(to: .approved, at: time, reason: status.explanation)
        case .rejected: move(to: .rejected, at: time, reason: status.explanation)
        case .pending: break
        }
    }

    private mutating func move(to next: ProposalState, at time: Date, reason: String) {
        state = next
        history.append(
            ProposalTransition(state: next, time: Self.milliseconds(time), reason: reason, afterVotes: votes.count))
    }

    /// `date` rounded to the millisecond, computed as seconds since 1970 so that it survives a
    /// round trip through a stored document exactly. Every time a proposal records is rounded so.
    public static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(Int64((date.timeIntervalSince1970 * 1000).rounded())) / 1000)
    }

    /// A commit id shortened for messages.
    static func short(_ revision: String) -> String { String(revision.prefix(12)) }
}
