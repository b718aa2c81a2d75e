import CharterModel
import CharterPlan

/// What a change rule does with the changes it matches.
public enum RuleAction: String, Sendable, Hashable, CaseIterable {
    /// Every board the rule names must approve.
    case require
    /// Applied without a vote.
    case autoApprove
    /// The whole proposal is refused.
    case forbid

    /// Strictness, for combining the decisions of one change: forbid beats require beats autoApprove.
    var strictness: Int {
        switch self {
        case .autoApprove: return 0
        case .require: return 1
        case .forbid: return 2
        }
    }
}

/// A change rule of a policy in the applied state.
public struct RuleReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The Policy's name.
    public var policy: String
    /// The rule's name.
    public var rule: String
    /// The rule's position in the policy's `changeRules`.
    public var index: Int

    /// Creates a reference to rule number `index`, named `rule`, of `policy`.
    public init(policy: String, rule: String, index: Int) {
        self.policy = policy
        self.rule = rule
        self.index = index
    }

    /// `policy/rule`, as proposals show it.
    public var description: String { "\(policy)/\(rule)" }

    /// Policy name order, then rule order: the order in which rules are tried.
    public static func < (lhs: RuleReference, rhs: RuleReference) -> Bool {
        lhs.policy != rhs.policy ? lhs.policy < rhs.policy : lhs.index < rhs.index
    }
}

/// The rule that decided a change, with what it asks for.
public struct RuleDecision: Sendable, Hashable {
    /// Which rule matched.
    public var rule: RuleReference
    /// What it does.
    public var action: RuleAction
    /// The boards it names, in the rule's order.
    public var boards: [String]
    /// The guards it lifts (with approval by `boards`).
    public var allowGuards: Set<ChangeGuard>

    /// Creates a decision.
    public init(rule: RuleReference, action: RuleAction, boards: [String], allowGuards: Set<ChangeGuard>) {
        self.rule = rule
        self.action = action
        self.boards = boards
        self.allowGuards = allowGuards
    }

    /// Whether this decision lifts `guard`: the rule lists it and names at least one board to approve.
    public func lifts(_ guardKind: ChangeGuard) -> Bool {
        action != .forbid && allowGuards.contains(guardKind) && !boards.isEmpty
    }
}

/// How one resource change was routed.
public struct RoutedChange: Sendable, Hashable {
    /// The changed resource.
    public var id: ResourceID
    /// Create, update or delete.
    public var operation: ChangeAction
    /// The rules that decided it: usually one; two when an update changes the resource's labels and
    /// its labels before and after match different rules (both apply). Empty when no rule matches.
    public var decisions: [RuleDecision]

    /// Creates a routed change.
    public init(id: ResourceID, operation: ChangeAction, decisions: [RuleDecision]) {
        self.id = id
        self.operation = operation
        self.decisions = decisions
    }

    /// Whether no rule matched.
    public var isUnrouted: Bool { decisions.isEmpty }

    /// The combined action: `forbid` if any decision forbids, else `require` if any requires, else
    /// `autoApprove`; nil when unrouted.
    public var outcome: RuleAction? { decisions.map(\.action).max { $0.strictness < $1.strictness } }
}

/// A board whose approval a proposal needs, frozen when the proposal is created.
public struct BoardRequirement: Sendable, Hashable {
    /// The board's name.
    public var board: String
    /// The people on the board in the applied state, teams expanded: the electorate of the proposal.
    public var roster: Set<String>
    /// The board's quorum rule in the applied state.
    public var quorum: Board.QuorumRule
    /// Whether one reject rejects.
    public var veto: Bool
    /// The rules that require this board, in the order rules are tried.
    public var requiredBy: [RuleReference]
    /// The changes that need it.
    public var changes: [ResourceID]
    /// Guards this board's approval lifts.
    public var liftedGuards: [ChangeGuard]

    /// Creates a requirement.
    public init(
        board: String, roster: Set<String>, quorum: Board.QuorumRule, veto: Bool, requiredBy: [RuleReference],
        changes: [ResourceID], liftedGuards: [ChangeGuard]
    ) {
        self.board = board
        self.roster = roster
        self.quorum = quorum
        self.veto = veto
        self.requiredBy = requiredBy
        self.changes = changes
        self.liftedGuards = liftedGuards
    }
}

/// Why a proposal is refused outright.
public struct Refusal: Sendable, Hashable, CustomStringConvertible {
    /// What refused it.
    public enum Cause: Sendable, Hashable {
        /// A rule with `action: forbid` matched.
        case forbiddenByRule(RuleReference)
        /// A guard was violated and no matching rule lifts it.
        case guardViolated(ChangeGuard)
        /// A `require` rule names a board that does not exist in the applied state.
        case unknownBoard(String, RuleReference)
        /// A `require` rule names no board.
        case noBoards(RuleReference)
    }

    /// What refused it.
    public var cause: Cause
    /// The changes concerned.
    public var changes: [ResourceID]
    /// A sentence for people.
    public var message: String

    /// Creates a refusal.
    public init(cause: Cause, changes: [ResourceID], message: String) {
        self.cause = cause
        self.changes = changes
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// Who must approve a change set, decided by the policies and boards of the applied state.
public struct Routing: Sendable, Hashable {
    /// Every change with the rules that decided it, in change-set order.
    public var changes: [RoutedChange]
    /// The boards that must all approve, sorted by name, with rosters frozen from the applied state.
    public var requiredBoards: [BoardRequirement]
    /// Reasons the proposal is refused; non-empty means it can never be applied.
    public var forbidden: [Refusal]
    /// Changes no rule matches. Nothing is applied without an explicit rule, so these refuse the
    /// proposal too; a policy needs a default rule (an empty match) at its end.
    public var unrouted: [ResourceID]
    /// Every guard the change set violates, including those a rule lifts.
    public var guardViolations: [GuardViolation]

    /// Creates a routing.
    public init(
        changes: [RoutedChange], requiredBoards: [BoardRequirement], forbidden: [Refusal], unrouted: [ResourceID],
        guardViolations: [GuardViolation]
    ) {
        self.changes = changes
        self.requiredBoards = requiredBoards
        self.forbidden = forbidden
        self.unrouted = unrouted
        self.guardViolations = guardViolations
    }

    /// Whether a rule or a guard refuses the proposal.
    public var isForbidden: Bool { !forbidden.isEmpty }
    /// Whether the proposal can be decided by votes (or applies without them): nothing is
    /// forbidden and every change is routed.
    public var isRoutable: Bool { forbidden.isEmpty && unrouted.isEmpty }
    /// Whether the change set applies without a vote: routable and no board is required, that is
    /// every change is auto-approved and no guard asks for a board. An empty change set is.
    public var isAutoApproved: Bool { isRoutable && requiredBoards.isEmpty }
    /// The names of the required boards, sorted.
    public var boardNames: [String] { requiredBoards.map(\.board) }
    /// The requirement for `board`, if it is required.
    public func requirement(for board: String) -> BoardRequirement? { requiredBoards.first { $0.board == board } }
    /// The routing of the change to `id`, if the change set has one.
    public func change(_ id: ResourceID) -> RoutedChange? { changes.first { $0.id == id } }

    /// Every reason the proposal cannot go ahead, one sentence each: unrouted changes, then refusals.
    public var errors: [String] {
        unrouted.map { "\($0): no policy rule matches this change; add a default rule (an empty match) to a policy" }
            + forbidden.map(\.message)
    }
}
