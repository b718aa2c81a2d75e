import CharterGovernance
import CharterModel

/// What one reconcile pass found and did.
public struct ReconcileReport: Sendable {
    /// The Kubernetes-style condition after the pass.
    public enum Condition: String, Sendable {
        /// The applied state matches the watched branch.
        case ready = "Ready"
        /// A proposal is waiting for votes.
        case reconciling = "Reconciling"
        /// The pass cannot make progress without a person (invalid revision, not bootstrapped, a damaged
        /// event record…).
        case stalled = "Stalled"
    }

    /// Why the condition is what it is, in one CamelCase word, as Flux and kstatus name reasons.
    public struct Reason: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }
        public var description: String { rawValue }

        /// Ready: the watched branch's change was applied in this pass.
        public static let applied: Reason = "Applied"
        /// Ready: the applied state already matches the watched branch.
        public static let upToDate: Reason = "UpToDate"
        /// Reconciling: a proposal waits for votes.
        public static let awaitingVotes: Reason = "AwaitingVotes"
        /// Reconciling: a proposal is approved or superseded and is settled by a later pass.
        public static let pending: Reason = "Pending"
        /// Stalled: the watched branch does not load.
        public static let invalidRevision: Reason = "InvalidRevision"
        /// Stalled: nothing is applied yet.
        public static let notBootstrapped: Reason = "NotBootstrapped"
        /// Stalled: the boards rejected the proposal.
        public static let rejected: Reason = "Rejected"
        /// Stalled: the approved change did not apply.
        public static let applyFailed: Reason = "ApplyFailed"
        /// Stalled: an events file on the status branch cannot be read; its events are written again in
        /// a new file, and the damaged one waits for a person.
        public static let eventsDamaged: Reason = "EventsDamaged"
        /// Stalled: the status branch holds events that are not the store's, so none are appended.
        public static let eventsDiverged: Reason = "EventsDiverged"
    }

    public var condition: Condition
    public var reason: Reason
    public var message: String
    /// The watched branch's commit.
    public var observedRevision: String?
    /// The applied commit after the pass.
    public var appliedRevision: String?
    /// The proposal for the branch, as saved after the pass.
    public var proposal: Proposal?
    /// Diagnostics when the revision did not load.
    public var diagnostics: [Diagnostic]
    /// Votes recorded by this pass (accepted or refused).
    public var votesRecorded: Int
    /// What happened to each proposal branch (considered only when the watched branch is fully
    /// applied).
    public var branches: [BranchOutcome] = []
    /// What the scheduler started or skipped in this pass (when the pass runs routines).
    public var ticks: [TickOutcome] = []
    /// Approval steps of runs that their boards decided in this pass.
    public var approvals: [String] = []
    /// What the notification step of the pass sent, will retry and gave up on.
    public var notifications = NotificationSummary()
    /// When the pass changed the capacity the broker enforces (an applied CapacitySource or
    /// budget): the new configuration and its notes.
    public var capacity: [String] = []
    /// Finished runs whose workspaces this pass removed (their retention had passed).
    public var workspacesRemoved: [String] = []
    /// Finished runs whose workspaces could not be removed, with why (tried again next pass).
    public var workspacesNotRemoved: [String: String] = [:]
    /// Entries of the status branch that are not Charter's (names git refuses, shapes Charter never
    /// writes), with why. Every decision ignores them, and writing leaves them as they are. Found by
    /// the write-back, so empty without one.
    public var foreignEntries: [FileProblem] = []
    /// Events files of the status branch that cannot be read, with why and where their events are.
    /// Found by the write-back, so empty without one.
    public var damagedEventFiles: [FileProblem] = []
}
