import CharterModel
import CharterPlan

/// Routes a change set to the boards that must approve it.
///
/// Only the **actual** (applied) state's policies, boards and people are consulted, never the
/// desired state: a change that edits a policy, a board or a person is judged by the rules as they
/// stand, so a pending change can never grant itself rights.
///
/// Policies are tried in name order and their change rules in order; for each resource change the
/// first matching rule decides. A rule matches when every condition it lists holds:
/// - `kinds`: the resource's kind is listed (empty: any kind);
/// - `names`: the resource's name matches one of the globs, `*` matching any run of characters;
/// - `labels`: the resource has every listed label with that value. A delete is judged by its old
///   labels and a create by its new ones. An update that changes labels is routed twice, with the
///   labels before and with the labels after, and both decisions apply, so a change cannot move a
///   resource into a laxer rule by relabelling it;
/// - `fields`: JSON pointers in which a `*` segment matches any one segment. A `require` or
///   `forbid` rule matches when at least one changed field equals or lies under a pattern; an
///   `autoApprove` rule only when every changed field does, so unrelated edits cannot ride along
///   on an auto-approved one. For a create or a delete every field of the document counts as
///   changed: a pattern matches when the document has such a field;
/// - `operations`: the change is a listed `create`, `update` or `delete` (empty: any).
///
/// A change no rule matches is `unrouted`, which refuses the proposal: nothing is applied without
/// an explicit rule. The very first apply into an empty state therefore has no route at all and
/// needs the explicit bootstrap action instead.
public enum PolicyRouter {
    /// Routes `changes` by the policies, boards and people of `actual`, then evaluates the
    /// ``ChangeGuards`` on the state the changes would produce.
    public static func route(_ changes: ChangeSet, actual: OrgState) -> Routing {
        let rules = orderedRules(actual)
        var routed: [RoutedChange] = []
        routed.reserveCapacity(changes.changes.count)
        var unrouted: [ResourceID] = []
        var builder = RequirementBuilder(actual: actual)
        var forbidden: [Refusal] = []

        for change in changes.changes {
            let decisions = decide(change, rules: rules)
            routed.append(RoutedChange(id: change.id, operation: change.action, decisions: decisions ?? []))
            guard let decisions else {
                unrouted.append(change.id)
                continue
            }
            for d in decisions {
                switch d.action {
                case .forbid:
                    forbidden.append(
                        Refusal(
                            cause: .forbiddenByRule(d.rule), changes: [change.id],
                            message: "\(change.action.rawValue) of \(change.id) is forbidden by rule `\(d.rule)`"))
                case .require:
                    if d.boards.isEmpty {
                        forbidden.append(
                            Refusal(
                                cause: .noBoards(d.rule), changes: [change.id],
                                message: "rule `\(d.rule)` requires approval of \(change.id) but names no boards"))
                    }
                    forbidden += builder.require(d.boards, by: d.rule, for: change.id, lifting: nil)
                case .autoApprove:
                    break
                }
            }
        }

        let violations = ChangeGuards.check(changes, actual: actual)
        var byID: [ResourceID: RoutedChange] = [:]
        for r in routed { byID[r.id] = r }
        for v in violations {
            let offending = v.changes.compactMap { byID[$0] }
            let blockers = offending.filter { r in r.isUnrouted || r.decisions.contains { !$0.lifts(v.kind) } }
            if !offending.isEmpty && blockers.isEmpty && offending.count == v.changes.count {
                for r in offending {
                    for d in r.decisions {
                        forbidden += builder.require(d.boards, by: d.rule, for: r.id, lifting: v.kind)
                    }
                }
            } else {
                let why: String
                if let b = blockers.first {
                    let rules = b.decisions.map { "`\($0.rule)`" }.joined(separator: " and ")
                    why =
                        b.isUnrouted
                        ? "no rule routes \(b.id)"
                        : "rule \(rules), which decides \(b.id), does not allow `\(v.kind.rawValue)` with a board"
                } else {
                    why = "no change can be held responsible, so no rule can allow it"
                }
                forbidden.append(
                    Refusal(
                        cause: .guardViolated(v.kind), changes: v.changes,
                        message: "guard `\(v.kind.rawValue)`: \(v.message); refused because \(why)"))
            }
        }

        return Routing(
            changes: routed, requiredBoards: builder.requirements, forbidden: forbidden, unrouted: unrouted,
            guardViolations: violations)
    }

    /// The rules of `state`'s policies in the order they are tried: policies by name, rules in order.
    public static func orderedRules(_ state: OrgState) -> [(RuleReference, ChangeRule)] {
        state.policies.keys.sorted().flatMap { name in
            state.policies[name]!.changeRules.enumerated().map { i, rule in
                (RuleReference(policy: name, rule: rule.name, index: i), rule)
            }
        }
    }

    /// The decisions for one change, or nil when some view of it (labels before or after) matches
    /// no rule.
    static func decide(_ change: ResourceChange, rules: [(RuleReference, ChangeRule)]) -> [RuleDecision]? {
        let old = labels(change.old)
        let new = labels(change.new)
        let views: [[String: String]]
        switch change.action {
        case .create: views = [new]
        case .delete: views = [old]
        case .update: views = old == new ? [old] : [old, new]
        }
        var out: [RuleDecision] = []
        for view in views {
            guard let (ref, rule) = rules.first(where: { matches($0.1, change, labels: view) }) else { return nil }
            if out.contains(where: { $0.rule == ref }) { continue }
            out.append(
                RuleDecision(
                    rule: ref, action: RuleAction(rawValue: rule.action) ?? .require, boards: rule.boards,
                    allowGuards: Set(rule.allowGuards.compactMap(ChangeGuard.init(rawValue:)))))
        }
        return out
    }

    private static func labels(_ document: Value?) -> [String: String] {
        document?["metadata"]?["labels"]?.stringMap ?? [:]
    }

    /// Whether `rule` matches `change` when the resource carries `labels`.
    public static func matches(_ rule: ChangeRule, _ change: ResourceChange, labels: [String: String]) -> Bool {
        if !rule.kinds.isEmpty && !rule.kinds.contains(change.id.kind.rawValue) { return false }
        if !rule.operations.isEmpty && !rule.operations.contains(change.action.rawValue) { return false }
        if !rule.names.isEmpty && !rule.names.contains(where: { glob($0, matches: change.id.name) }) { return false }
        for (key, value) in rule.labels where labels[key] != value { return false }
        if !rule.fields.isEmpty {
            let patterns = rule.fields.map { JSONPointer($0).tokens }
            let changed =
                change.action == .update
                ? change.fields : [FieldChange(path: .root, old: change.old, new: change.new)]
            if rule.action == RuleAction.autoApprove.rawValue {
                guard !changed.isEmpty,
                    changed.allSatisfy({ f in patterns.contains { covers($0, f.path.tokens) } })
                else { return false }
            } else {
                guard changed.contains(where: { f in patterns.contains { touches($0, f) } }) else { return false }
            }
        }
        return true
    }

    /// Whether `path` equals or lies under `pattern`.
    static func covers(_ pattern: [String], _ path: [String]) -> Bool {
        path.count >= pattern.count && zip(pattern, path).allSatisfy { glob($0, matches: $1) }
    }

    /// Whether the field change `f` changes something at or under `pattern`: either its path lies
    /// under the pattern, or the pattern lies under its path and the values there differ.
    static func touches(_ pattern: [String], _ f: FieldChange) -> Bool {
        let path = f.path.tokens
        if covers(pattern, path) { return true }
        guard zip(pattern, path).allSatisfy({ glob($0, matches: $1) }) else { return false }
        let rest = Array(pattern.dropFirst(path.count))
        var concrete: Set<[String]> = []
        if let old = f.old { expand(rest, in: old, prefix: [], into: &concrete) }
        if let new = f.new { expand(rest, in: new, prefix: [], into: &concrete) }
        return concrete.contains { p in
            let pointer = JSONPointer(tokens: p)
            return f.old?.value(at: pointer) != f.new?.value(at: pointer)
        }
    }

    /// The concrete paths in `value` that `pattern` matches.
    private static func expand(_ pattern: [String], in value: Value, prefix: [String], into out: inout Set<[String]>) {
        guard let head = pattern.first else {
            out.insert(prefix)
            return
        }
        let rest = Array(pattern.dropFirst())
        switch value {
        case .object(let o):
            for (k, v) in o where glob(head, matches: k) { expand(rest, in: v, prefix: prefix + [k], into: &out) }
        case .array(let a):
            for (i, v) in a.enumerated() where glob(head, matches: String(i)) {
                expand(rest, in: v, prefix: prefix + [String(i)], into: &out)
            }
        default:
            break
        }
    }

    /// Whether `text` matches `pattern`, in which `*` matches any run of characters (also none) and
    /// every other character only itself.
    public static func glob(_ pattern: String, matches text: String) -> Bool {
        Glob.matches(pattern, text)
    }

    /// People who may not vote on `changes`, with the reason (separation of duties):
    /// - the authors of the change's commits, recognised by Person name or display name in
    ///   `authorNames` or by e-mail in `authorEmails` (both compared ignoring case);
    /// - agents whose role the change set touches: an agent cannot approve changes to its own role,
    ///   neither to the Role it works in (before or after the change) nor to its own role assignment.
    ///
    /// People are read from the applied state, like every right.
    public static func ineligibleVoters(
        for changes: ChangeSet, authorNames: Set<String>, authorEmails: Set<String>, actual: OrgState
    ) -> [String: String] {
        let names = Set(authorNames.map { $0.lowercased() })
        let emails = Set(authorEmails.map { $0.lowercased() })
        var byID: [ResourceID: ResourceChange] = [:]
        for c in changes.changes { byID[c.id] = c }
        var out: [String: String] = [:]
        for (name, person) in actual.people {
            if names.contains(name.lowercased()) || names.contains(person.displayName.lowercased()) {
                out[name] = "authored a commit in this change"
                continue
            }
            if let email = person.email, emails.contains(email.lowercased()) {
                out[name] = "authored a commit in this change (as \(email))"
                continue
            }
            guard person.type == .agent else { continue }
            let own = byID[ResourceID(.person, name)]
            var roles = Set(person.role.map { [$0] } ?? [])
            if let newRole = own?.new?["spec"]?["role"]?.string { roles.insert(newRole) }
            if let role = roles.sorted().first(where: { byID[ResourceID(.role, $0)] != nil }) {
                out[name] = "an agent cannot approve changes to its own role `\(role)`"
            } else if let own, own.old?["spec"]?["role"] != own.new?["spec"]?["role"] {
                out[name] = "an agent cannot approve a change of its own role assignment"
            }
        }
        return out
    }
}

/// Accumulates board requirements, with rosters frozen from the applied state.
struct RequirementBuilder {
    private struct Entry {
        var board: Board
        var rules: Set<RuleReference> = []
        var changes: Set<ResourceID> = []
        var guards: Set<ChangeGuard> = []
    }

    let actual: OrgState
    private var byBoard: [String: Entry] = [:]

    init(actual: OrgState) { self.actual = actual }

    /// Requires `boards` for `change` because of `rule`; refusals for boards the applied state lacks.
    mutating func require(
        _ boards: [String], by rule: RuleReference, for change: ResourceID, lifting guardKind: ChangeGuard?
    ) -> [Refusal] {
        var refusals: [Refusal] = []
        for name in boards {
            guard let board = actual.boards[name] else {
                refusals.append(
                    Refusal(
                        cause: .unknownBoard(name, rule), changes: [change],
                        message: "rule `\(rule)` requires board `\(name)`, which does not exist in the applied state"))
                continue
            }
            byBoard[name, default: Entry(board: board)].rules.insert(rule)
            byBoard[name]!.changes.insert(change)
            if let guardKind { byBoard[name]!.guards.insert(guardKind) }
        }
        return refusals
    }

    /// The requirements, sorted by board name.
    var requirements: [BoardRequirement] {
        byBoard.keys.sorted().map { name in
            let e = byBoard[name]!
            return BoardRequirement(
                board: name, roster: ChangeGuards.roster(name, actual), quorum: e.board.rule, veto: e.board.veto,
                requiredBy: e.rules.sorted(), changes: e.changes.sorted(), liftedGuards: e.guards.sorted())
        }
    }
}
