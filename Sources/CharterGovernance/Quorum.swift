import CharterModel

/// Quorum arithmetic, in integers only (never floating point: 25 members at 28 % need 7 approvals,
/// not the 8 that `ceil(25 * 0.28)` gives).
public enum Quorum {
    /// The number of approvals a board with rule `rule` needs when `n` members can vote.
    ///
    /// - `unanimous`: `n`.
    /// - `majority`: more than half, `n / 2 + 1` (integer division: 2 of 2, 2 of 3, 3 of 4).
    /// - `atLeast(N)`: `N`.
    /// - `percent(P)`: `ceil(n * P / 100)`, computed as `(n * P + 99) / 100` (60 % of 7 → 5,
    ///   50 % of 4 → 2, 1 % of 100 → 1, 100 % of 3 → 3).
    ///
    /// The result is never below 1: a rule that would need no approval (`atLeast(0)`, `percent(0)`,
    /// or any rule over an empty roster) needs one, so no board ever approves a change nobody
    /// approved. The result may exceed `n` (for example `atLeast(3)` with 2 eligible members); such a
    /// board cannot reach quorum. Arithmetic overflow saturates at `Int.max`.
    public static func requirement(_ rule: Board.QuorumRule, eligible n: Int) -> Int {
        let n = max(n, 0)
        let raw: Int
        switch rule {
        case .unanimous:
            raw = n
        case .majority:
            raw = n / 2 + 1
        case .atLeast(let count):
            raw = count
        case .percent(let p):
            let (product, overflow) = n.multipliedReportingOverflow(by: p)
            if overflow {
                raw = p > 0 ? Int.max : 0
            } else if product <= 0 {
                raw = 0
            } else {
                // (product + 99) / 100 without the risk of overflowing the addition.
                raw = product / 100 + (product % 100 == 0 ? 0 : 1)
            }
        }
        return max(raw, 1)
    }

    /// Why a board with `rule` and `members` roster members could never approve anything, or `nil`
    /// when it can. Meant for board validation at load and for the guard against changes that
    /// leave a board unable to reach quorum. It checks the whole roster; a proposal whose authors
    /// sit on the board may still be unable to reach quorum (see ``BoardTally``).
    public static func problem(rule: Board.QuorumRule, members: Int) -> String? {
        switch rule {
        case .atLeast(let count) where count < 1:
            return "quorum atLeast must be at least 1, not \(count)"
        case .percent(let p) where p < 1 || p > 100:
            return "quorum percent must be between 1 and 100, not \(p)"
        default:
            break
        }
        if members <= 0 { return "the board has no members" }
        let required = requirement(rule, eligible: members)
        if required > members {
            return "quorum needs \(plural(required, "approval")) but the board has \(plural(members, "member"))"
        }
        return nil
    }

    /// "1 approval", "2 approvals".
    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    /// Names sorted and joined with commas, for deterministic messages.
    static func list<S: Sequence<String>>(_ names: S) -> String {
        names.sorted().joined(separator: ", ")
    }
}

/// Where a board or a proposal stands.
public enum Outcome: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Not decided yet: the requirement can still be reached and has not been.
    case pending
    /// Decided: the approvals reached the requirement.
    case approved
    /// Decided: the requirement can no longer be reached, or a veto board received a reject.
    case rejected

    /// `true` once approved or rejected; a decided outcome never changes again.
    public var isDecided: Bool { self != .pending }

    public var description: String { rawValue }
}

/// The numbers behind a board's outcome, over the **eligible** roster only.
public struct QuorumCounts: Sendable, Hashable, Codable {
    /// Members who may vote: the recorded roster minus the ineligible members.
    public var eligible: Int
    /// Approvals needed (``Quorum/requirement(_:eligible:)`` over ``eligible``).
    public var required: Int
    /// Eligible members whose latest vote is approve.
    public var approvals: Int
    /// Eligible members whose latest vote is reject.
    public var rejections: Int
    /// Eligible members whose latest vote is abstain.
    public var abstentions: Int
    /// Eligible members who have not voted.
    public var notVoted: Int
    /// The most approvals still reachable: ``approvals`` plus ``notVoted``. A reject or an
    /// abstention is taken as given; the board is decided on the votes cast, not on changes of mind.
    public var stillPossible: Int

    /// Creates counts; ``stillPossible`` is derived.
    public init(eligible: Int, required: Int, approvals: Int, rejections: Int, abstentions: Int, notVoted: Int) {
        self.eligible = eligible
        self.required = required
        self.approvals = approvals
        self.rejections = rejections
        self.abstentions = abstentions
        self.notVoted = notVoted
        self.stillPossible = approvals + notVoted
    }
}

/// A snapshot of one board's tally: outcome, counts, who is still awaited, and a sentence for people.
public struct BoardStatus: Sendable, Hashable {
    /// The board's name.
    public var board: String
    /// Pending, approved or rejected.
    public var outcome: Outcome
    /// The numbers behind the outcome.
    public var counts: QuorumCounts
    /// Eligible members who have not voted, sorted.
    public var awaiting: [String]
    /// Eligible members whose latest vote is approve, sorted.
    public var approvedBy: [String]
    /// Eligible members whose latest vote is reject, sorted.
    public var rejectedBy: [String]
    /// Eligible members whose latest vote is abstain, sorted.
    public var abstainedBy: [String]
    /// What happened or what is still needed, e.g. "needs 2 more approvals from: ada, bob, cy".
    public var explanation: String
}

/// One board's votes on one proposal, and the quorum decision they lead to. A pure value: no I/O.
///
/// Semantics:
/// - **Roster** is the board's membership recorded when the proposal was created (teams expanded,
///   see `OrgState.roster(ofBoard:)`); later board edits never change an open tally.
/// - **Ineligible** members (authors of the change's commits; an agent on a change to its own role)
///   cannot vote, and the requirement is computed over the **eligible** roster `n` = roster minus
///   ineligible. Otherwise a unanimous board with an author among its members could never approve.
/// - **Votes**: the latest decision per voter. Votes of non-members and of ineligible members are
///   never counted, even when present in ``votes``.
/// - **Requirement** `r` = ``Quorum/requirement(_:eligible:)`` over `n`. If `n == 0` or `r > n` the
///   board is rejected at once ("cannot reach quorum: needs 3 approvals, 2 members can vote").
/// - Abstentions never count as approvals. `stillPossible` = approvals + eligible members who have
///   not voted.
/// - **Decided as soon as certain**: with `veto`, a single reject rejects; approved as soon as
///   approvals ≥ `r`; rejected as soon as `stillPossible` < `r`. Nothing waits forever: once every
///   eligible member has voted the board is decided (a majority-of-4 tie of 2 to 2 is rejected; a
///   unanimous board with one abstention is rejected at once).
/// - A member votes once but may change the vote until the board is decided (``record(_:by:)``);
///   after that every vote is refused ("board ops is already approved").
/// - Votes are meant to be recorded one at a time, in order, through ``record(_:by:)``, so a
///   decided board never sees a contradicting vote. Evaluated as a whole set, a veto board holding
///   both enough approvals and a reject is rejected: the veto wins, the conservative reading.
public struct BoardTally: Sendable, Hashable {
    /// The board's name.
    public var board: String
    /// The board's quorum rule.
    public var rule: Board.QuorumRule
    /// Whether a single reject rejects.
    public var veto: Bool
    /// The board's roster recorded when the proposal was created (person names).
    public var roster: Set<String>
    /// Roster members who may not vote on this change, each with the reason (as a sentence fragment,
    /// e.g. "authored a commit in this change"): the shape `PolicyRouter.ineligibleVoters` returns.
    /// Names not on the roster are ignored.
    public var ineligible: [String: String]
    /// The latest decision of each voter. Entries of non-members or ineligible members never count.
    public var votes: [String: VoteDecision]

    /// Creates a tally from its parts.
    public init(
        board: String, rule: Board.QuorumRule, veto: Bool = false, roster: Set<String>,
        ineligible: [String: String] = [:], votes: [String: VoteDecision] = [:]
    ) {
        self.board = board
        self.rule = rule
        self.veto = veto
        self.roster = roster
        self.ineligible = ineligible
        self.votes = votes
    }

    /// Creates a tally for `board` (its name, rule and veto) over the roster recorded for the proposal.
    public init(
        _ board: Board, roster: Set<String>, ineligible: [String: String] = [:],
        votes: [String: VoteDecision] = [:]
    ) {
        self.init(
            board: board.name, rule: board.rule, veto: board.veto, roster: roster, ineligible: ineligible, votes: votes)
    }

    /// Roster members who may vote on this change.
    public var eligible: Set<String> { roster.subtracting(ineligible.keys) }

    /// Why a board is where it is; the explanation is only rendered for ``status``.
    private enum Reason {
        case cannotReach, vetoed, reached, unreachable, open
    }

    /// The tally without the explanation: what ``outcome`` and ``check(_:by:)`` need.
    private func evaluate() -> (counts: QuorumCounts, reason: Reason) {
        var approvals = 0
        var rejections = 0
        var abstentions = 0
        var eligible = 0
        for member in roster where ineligible[member] == nil {
            eligible += 1
            switch votes[member] {
            case .approve: approvals += 1
            case .reject: rejections += 1
            case .abstain: abstentions += 1
            case nil: break
            }
        }
        let counts = QuorumCounts(
            eligible: eligible, required: Quorum.requirement(rule, eligible: eligible), approvals: approvals,
            rejections: rejections, abstentions: abstentions,
            notVoted: eligible - approvals - rejections - abstentions)
        let reason: Reason
        if eligible == 0 || counts.required > eligible {
            reason = .cannotReach
        } else if veto && rejections > 0 {
            reason = .vetoed
        } else if approvals >= counts.required {
            reason = .reached
        } else if counts.stillPossible < counts.required {
            reason = .unreachable
        } else {
            reason = .open
        }
        return (counts, reason)
    }

    private static func outcome(of reason: Reason) -> Outcome {
        switch reason {
        case .cannotReach, .vetoed, .unreachable: .rejected
        case .reached: .approved
        case .open: .pending
        }
    }

    /// The outcome with its counts, voters and explanation.
    public var status: BoardStatus {
        let (counts, reason) = evaluate()
        var approvedBy: [String] = []
        var rejectedBy: [String] = []
        var abstainedBy: [String] = []
        var awaiting: [String] = []
        for member in eligible.sorted() {
            switch votes[member] {
            case .approve: approvedBy.append(member)
            case .reject: rejectedBy.append(member)
            case .abstain: abstainedBy.append(member)
            case nil: awaiting.append(member)
            }
        }
        let n = counts.eligible
        let required = counts.required
        let explanation: String
        switch reason {
        case .cannotReach:
            var text = "cannot reach quorum: needs \(Quorum.plural(required, "approval")), "
            text += n == 0 ? "no member can vote" : "\(Quorum.plural(n, "member")) can vote"
            let excluded = roster.filter { ineligible[$0] != nil }
            if roster.isEmpty {
                text += " (the board has no members)"
            } else if !excluded.isEmpty {
                text += " (ineligible: \(Quorum.list(excluded)))"
            }
            explanation = text
        case .vetoed:
            explanation = "vetoed by \(rejectedBy.joined(separator: ", "))"
        case .reached:
            explanation =
                "approved by \(approvedBy.joined(separator: ", ")) "
                + "(\(counts.approvals) of \(Quorum.plural(required, "required approval")))"
        case .unreachable:
            var parts: [String] = []
            if !rejectedBy.isEmpty { parts.append("rejected: \(rejectedBy.joined(separator: ", "))") }
            if !abstainedBy.isEmpty { parts.append("abstained: \(abstainedBy.joined(separator: ", "))") }
            explanation =
                "cannot reach quorum: needs \(Quorum.plural(required, "approval")), "
                + "at most \(counts.stillPossible) still possible (\(parts.joined(separator: "; ")))"
        case .open:
            let missing = required - counts.approvals
            explanation =
                "needs \(missing) more \(missing == 1 ? "approval" : "approvals") "
                + "from: \(awaiting.joined(separator: ", "))"
        }
        return BoardStatus(
            board: board, outcome: Self.outcome(of: reason), counts: counts, awaiting: awaiting,
            approvedBy: approvedBy, rejectedBy: rejectedBy, abstainedBy: abstainedBy, explanation: explanation)
    }

    /// Pending, approved or rejected (see the type's documentation for the rules).
    public var outcome: Outcome { Self.outcome(of: evaluate().reason) }

    /// The numbers behind ``outcome``.
    public var counts: QuorumCounts { evaluate().counts }

    /// What happened or what is still needed, e.g. "needs 2 more approvals from: ada, bob, cy".
    public var explanation: String { status.explanation }

    /// Whether `voter`'s `decision` would count, without recording it. Checked in this order:
    /// not on the roster, ineligible, board already decided, same decision as the voter's latest.
    public func check(_ decision: VoteDecision, by voter: String) -> VoteCheck {
        guard roster.contains(voter) else { return .refused(.notAMember(voter: voter, boards: [board])) }
        if let reason = ineligible[voter] { return .refused(.ineligible(voter: voter, reason: reason)) }
        let outcome = self.outcome
        if outcome.isDecided { return .refused(.boardDecided(board: board, outcome)) }
        if votes[voter] == decision { return .refused(.duplicate(voter: voter, decision)) }
        return .counts
    }

    /// Records `voter`'s `decision` as their latest vote if it counts (see ``check(_:by:)``);
    /// a refused vote leaves the tally unchanged.
    @discardableResult
    public mutating func record(_ decision: VoteDecision, by voter: String) -> VoteCheck {
        let result = check(decision, by: voter)
        if result.isCounted { votes[voter] = decision }
        return result
    }
}

/// Where a proposal stands across its boards, with each board's status (sorted by board name).
public struct ProposalStatus: Sendable, Hashable {
    /// Pending, approved or rejected.
    public var outcome: Outcome
    /// Each required board's status, sorted by board name.
    public var boards: [BoardStatus]
    /// What happened or what is still needed, board by board.
    public var explanation: String
}

/// The votes on a proposal that needs one or more boards. A pure value: no I/O.
///
/// - Approved when **every** board approved; rejected as soon as **any** board rejected; pending
///   otherwise. A proposal with no board at all is rejected: whether a change needs no approval is
///   for policy routing to say (auto-approve), never a vacuous quorum.
/// - A vote is cast on the proposal and counts on every board whose roster holds the voter and
///   that can still take it. It is refused when the proposal is decided ("the proposal is already
///   approved"), or when no board takes it (not a member of any, ineligible, board decided,
///   duplicate).
public struct ProposalTally: Sendable, Hashable {
    /// The required boards, sorted by name.
    public private(set) var boards: [BoardTally]

    /// Creates a proposal tally over `boards`.
    public init(boards: [BoardTally]) {
        self.boards = boards.sorted { $0.board < $1.board }
    }

    /// The outcome with each board's status and an explanation.
    public var status: ProposalStatus {
        let statuses = boards.map(\.status)
        let outcome: Outcome
        let explanation: String
        if statuses.isEmpty {
            outcome = .rejected
            explanation = "no approval board is required: routing must auto-approve or forbid the change"
        } else if let rejected = statuses.first(where: { $0.outcome == .rejected }) {
            outcome = .rejected
            explanation = "board \(rejected.board) rejected: \(rejected.explanation)"
        } else if statuses.allSatisfy({ $0.outcome == .approved }) {
            outcome = .approved
            explanation = "approved by every required board (\(statuses.map(\.board).joined(separator: ", ")))"
        } else {
            outcome = .pending
            explanation = statuses.map { "board \($0.board): \($0.explanation)" }.joined(separator: "; ")
        }
        return ProposalStatus(outcome: outcome, boards: statuses, explanation: explanation)
    }

    /// Pending, approved or rejected.
    public var outcome: Outcome { status.outcome }

    /// What happened or what is still needed, board by board.
    public var explanation: String { status.explanation }

    /// Whether `voter`'s `decision` would count on at least one board, without recording it. When it
    /// counts nowhere, the reason is the proposal being decided, else not being a member of any
    /// board, else (over the boards that hold the voter) ineligible, then duplicate, then board decided.
    public func check(_ decision: VoteDecision, by voter: String) -> VoteCheck {
        let outcome = self.outcome
        if outcome.isDecided { return .refused(.proposalDecided(outcome)) }
        let refusals = boards.filter { $0.roster.contains(voter) }.map { $0.check(decision, by: voter) }
        if refusals.isEmpty { return .refused(.notAMember(voter: voter, boards: boards.map(\.board))) }
        if refusals.contains(.counts) { return .counts }
        func rank(_ check: VoteCheck) -> Int {
            switch check.refusal {
            case .ineligible: 0
            case .duplicate: 1
            case .boardDecided: 2
            default: 3
            }
        }
        return refusals.min { rank($0) < rank($1) }!
    }

    /// Records `voter`'s `decision` on every board that takes it, if it counts anywhere (see
    /// ``check(_:by:)``); a refused vote leaves the tally unchanged.
    @discardableResult
    public mutating func record(_ decision: VoteDecision, by voter: String) -> VoteCheck {
        let result = check(decision, by: voter)
        guard result.isCounted else { return result }
        for i in boards.indices { boards[i].record(decision, by: voter) }
        return result
    }
}
