import CharterModel
import CharterPlan
import Foundation

/// Everything needed to create a proposal except its id, which the store allocates.
public struct ProposalDraft: Sendable, Hashable {
    /// Where the desired state comes from.
    public var source: ProposalSource
    /// The applied revision the change set was planned against.
    public var base: String
    /// The desired revision (the branch tip).
    public var head: String
    /// Desired − actual.
    public var changeSet: ChangeSet
    /// How the actual state's policies route ``changeSet``.
    public var routing: Routing
    /// The commits in (base, head].
    public var commits: [ProposalCommit]
    /// People who may not vote on it, with the reason.
    public var ineligible: [String: String]
    /// When it is created.
    public var createdAt: Date

    /// A draft from its parts.
    public init(
        source: ProposalSource, base: String, head: String, changeSet: ChangeSet, routing: Routing,
        commits: [ProposalCommit], ineligible: [String: String], createdAt: Date
    ) {
        self.source = source
        self.base = base
        self.head = head
        self.changeSet = changeSet
        self.routing = routing
        self.commits = commits
        self.ineligible = ineligible
        self.createdAt = createdAt
    }

    /// A draft routed by the policies of `actual` (``PolicyRouter/route(_:actual:)``), whose
    /// ineligible voters are the commits' authors and agents touched in their own role
    /// (``PolicyRouter/ineligibleVoters(for:authorNames:authorEmails:actual:)``).
    public init(
        source: ProposalSource, base: String, head: String, changeSet: ChangeSet, commits: [ProposalCommit],
        actual: OrgState, createdAt: Date
    ) {
        self.init(
            source: source, base: base, head: head, changeSet: changeSet,
            routing: PolicyRouter.route(changeSet, actual: actual), commits: commits,
            ineligible: PolicyRouter.ineligibleVoters(
                for: changeSet, authorNames: Set(commits.map(\.authorName)),
                authorEmails: Set(commits.map(\.authorEmail)), actual: actual),
            createdAt: createdAt)
    }
}

/// What ``Proposal/replan(changeSetHash:head:at:)`` did.
public enum ReplanOutcome: Sendable, Hashable {
    /// The change set is unchanged: the proposal keeps its id and votes (its head may have moved).
    case kept
    /// The change set changed: the proposal is superseded and its votes lapse; the caller creates
    /// a new proposal for the new change set.
    case superseded
}

/// One entry of a proposal's state history.
public struct ProposalTransition: Sendable, Hashable, Codable {
    /// The state entered.
    public var state: ProposalState
    /// When.
    public var time: Date
    /// Why, for people: "approved by every required board (change)", "auto-approved by rule …".
    public var reason: String
    /// How many votes (accepted or refused) had been recorded when the state was entered: orders
    /// transitions among votes (a transition a vote caused comes right after that vote).
    public var afterVotes: Int

    /// A history entry.
    public init(state: ProposalState, time: Date, reason: String, afterVotes: Int) {
        self.state = state
        self.time = time
        self.reason = reason
        self.afterVotes = afterVotes
    }
}
