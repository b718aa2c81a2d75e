import CharterModel
import CharterPlan

/// A safety check every change set passes, whatever the policies say. A violated guard refuses
/// the proposal unless the rule that decides each offending change lists the guard in
/// `allowGuards` and names a board, whose approval is then required.
public enum ChangeGuard: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Deleting more than the Organization's `governance.massRemovalPercent` of a kind at once.
    case massRemoval
    /// Leaving a board with nobody on it.
    case lastBoardMember
    /// Leaving a board whose quorum rule its roster cannot meet.
    case quorumBreak

    /// Declaration order.
    public static func < (lhs: ChangeGuard, rhs: ChangeGuard) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One violated guard.
public struct GuardViolation: Sendable, Hashable, CustomStringConvertible {
    /// The guard.
    public var kind: ChangeGuard
    /// What it is about: a kind (`Team`) for mass removals, a board (`Board/exec`) otherwise.
    public var subject: String
    /// The changes that cause it; the rules deciding these must all lift the guard.
    public var changes: [ResourceID]
    /// What happens, with the numbers, such as "deletes 3 of 8 Teams (37%), more than the 25% allowed".
    public var message: String

    /// Creates a violation.
    public init(kind: ChangeGuard, subject: String, changes: [ResourceID], message: String) {
        self.kind = kind
        self.subject = subject
        self.changes = changes
        self.message = message
    }

    /// `guard: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}

/// Evaluates the ``ChangeGuard``s on a change set.
public enum ChangeGuards {
    /// The default of `governance.massRemovalPercent`.
    public static let defaultMassRemovalPercent = 25

    /// The guards `changes` violates, judged on the state they produce from `actual`.
    public static func check(_ changes: ChangeSet, actual: OrgState) -> [GuardViolation] {
        check(changes, actual: actual, desired: desired(applying: changes, to: actual))
    }

    /// The guards `changes` violates going from `actual` to `desired`: mass removals first (in
    /// kind order), then board guards (by board name).
    public static func check(_ changes: ChangeSet, actual: OrgState, desired: OrgState) -> [GuardViolation] {
        massRemovals(changes, actual: actual) + boardGuards(changes, actual: actual, desired: desired)
    }

    /// `actual` with `changes` applied.
    public static func desired(applying changes: ChangeSet, to actual: OrgState) -> OrgState {
        var state = actual
        var update: [ResourceID: Resource?] = [:]
        for c in changes.changes {
            // `updateValue`: assigning nil through the subscript would drop the entry, not record a deletion.
            update.updateValue(c.new.map { Resource(id: c.id, value: $0) }, forKey: c.id)
        }
        state.update(update)
        return state
    }

    /// Mass removals: for each kind, deleting more than the allowed percentage of the resources of
    /// that kind in `actual`, computed in integers (`deletes × 100 > existing × percent`). The
    /// percentage is the applied Organization's, so raising it is itself governed.
    public static func massRemovals(_ changes: ChangeSet, actual: OrgState) -> [GuardViolation] {
        let percent = actual.organization?.massRemovalPercent ?? defaultMassRemovalPercent
        var deletes: [ResourceKind: [ResourceID]] = [:]
        for c in changes.changes where c.action == .delete { deletes[c.id.kind, default: []].append(c.id) }
        var out: [GuardViolation] = []
        for kind in ResourceKind.dependencyOrder {
            guard let ids = deletes[kind] else { continue }
            let existing = actual.count(of: kind)
            guard ids.count * 100 > existing * percent else { continue }
            out.append(
                GuardViolation(
                    kind: .massRemoval, subject: kind.rawValue, changes: ids,
                    message:
                        "deletes \(ids.count) of \(existing) \(plural(kind, existing)) "
                        + "(\(share(ids.count, of: existing, above: percent))), more than the \(percent)% allowed"))
        }
        return out
    }

    /// Board guards for every board of `desired`: an empty roster is `lastBoardMember` when the
    /// board had people in `actual` and `quorumBreak` otherwise; an `atLeast` count above the
    /// roster is `quorumBreak`. A roster counts only people that exist. Boards that were already
    /// in the same condition before, untouched by the change set, are not reported.
    public static func boardGuards(_ changes: ChangeSet, actual: OrgState, desired: OrgState) -> [GuardViolation] {
        var byID: [ResourceID: ResourceChange] = [:]
        for c in changes.changes { byID[c.id] = c }
        var out: [GuardViolation] = []
        for name in desired.boards.keys.sorted() {
            let board = desired.boards[name]!
            let after = roster(name, desired)
            let before = roster(name, actual)
            let kind: ChangeGuard
            let message: String
            let id = ResourceID(.board, name)
            if after.isEmpty {
                if before.isEmpty {
                    kind = .quorumBreak
                    message = "leaves \(id) with no members, so it can never reach quorum"
                } else {
                    kind = .lastBoardMember
                    message =
                        "leaves \(id) with no members (it has \(before.count): "
                        + "\(before.sorted().joined(separator: ", ")))"
                }
            } else if case .atLeast(let k) = board.rule, k > after.count {
                kind = .quorumBreak
                message =
                    "leaves \(id) with \(after.count) member\(after.count == 1 ? "" : "s"), "
                    + "fewer than the \(k) approvals its quorum needs"
            } else {
                continue
            }
            let offending = causes(
                board: name, byID: byID, actual: actual, desired: desired, leavers: before.subtracting(after))
            if offending.isEmpty && broken(name, actual) { continue }
            out.append(GuardViolation(kind: kind, subject: id.description, changes: offending, message: message))
        }
        return out
    }

    /// The people of a board who exist in `state`.
    static func roster(_ board: String, _ state: OrgState) -> Set<String> {
        state.roster(ofBoard: board).filter { state.people[$0] != nil }
    }

    /// Whether `board` exists in `state` and its roster cannot meet its rule.
    static func broken(_ board: String, _ state: OrgState) -> Bool {
        guard let b = state.boards[board] else { return false }
        let n = roster(board, state).count
        if n == 0 { return true }
        if case .atLeast(let k) = b.rule { return k > n }
        return false
    }

    /// The changes that shrink a board's roster or change its rule: the Board itself, people who
    /// leave it, and teams seated on it whose member lists change.
    static func causes(
        board: String, byID: [ResourceID: ResourceChange], actual: OrgState, desired: OrgState, leavers: Set<String>
    ) -> [ResourceID] {
        var out: Set<ResourceID> = []
        let boardID = ResourceID(.board, board)
        if byID[boardID] != nil { out.insert(boardID) }
        for p in leavers where byID[ResourceID(.person, p)] != nil { out.insert(ResourceID(.person, p)) }
        var seats: Set<String> = []
        for state in [actual, desired] {
            for m in state.boards[board]?.members ?? [] {
                if case .team(let t) = m { seats.insert(t) }
            }
        }
        for t in seats {
            let id = ResourceID(.team, t)
            if byID[id] != nil && actual.teams[t]?.members != desired.teams[t]?.members { out.insert(id) }
        }
        return out.sorted()
    }

    /// `37%`; with one decimal when rounding down would show the allowed percentage itself.
    static func share(_ part: Int, of whole: Int, above percent: Int) -> String {
        guard whole > 0 else { return "all" }
        let whole100 = part * 100 / whole
        if whole100 != percent { return "\(whole100)%" }
        let tenths = part * 1000 / whole
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// The plural of a kind's name, for messages.
    static func plural(_ kind: ResourceKind, _ count: Int) -> String {
        if count == 1 { return kind.rawValue }
        switch kind {
        case .person: return "People"
        case .policy: return "Policies"
        default: return kind.rawValue + "s"
        }
    }
}
