import CharterBroker
import CharterEngine
import CharterFoundation
import CharterGovernance
import CharterModel
import Foundation

/// Something a Notification may send: one event about one subject, as it stands this pass.
///
/// Occurrences are derived afresh from the state every pass (level-triggered, as the rest of the
/// controller): a delivery lost to a crash is derived again and sent on the next pass.
public struct NotificationOccurrence: Sendable, Hashable {
    public var type: NotificationRoute.EventType
    /// What it is about: `P-0003`, `RUN/STEP`, a run id, `role/analyst/tokens/2026-01-05`, `controller`.
    public var subject: String
    /// What makes it news again when it changes: a proposal's head, an approval's request hash,
    /// a stall's reason.
    public var version: String
    /// The board asked, for a board's events.
    public var board: String?
    /// The routine whose run it is, for run events.
    public var routine: String?
    /// The people addressed, for a board's events: the members who have not voted.
    public var people: [String]
    /// One line saying what happened and what is wanted.
    public var title: String
    /// Facts for receivers, by name.
    public var details: [String: String]
}

/// Derives the occurrences of a pass from what the controller knows.
public enum NotificationOccurrences {
    /// The budget fractions that make news: 80 % warns, 100 % is exhausted.
    public static let warningFraction = 0.8

    /// Open proposals waiting for boards, with each board's members who have not voted (nor are
    /// ineligible); a board that has decided is not asked again.
    public static func votesNeeded(_ proposals: [Proposal]) -> [NotificationOccurrence] {
        var result: [NotificationOccurrence] = []
        for p in proposals where p.state == .open {
            let voted = Set(p.votes.filter(\.accepted).map(\.vote.voter))
            let tally = p.tally
            for board in p.boards {
                if let t = tally.boards.first(where: { $0.board == board.board }), t.outcome != .pending { continue }
                let waiting = board.roster.filter { !voted.contains($0) && p.ineligible[$0] == nil }
                guard !waiting.isEmpty else { continue }
                result.append(
                    NotificationOccurrence(
                        type: .proposalVotesNeeded, subject: p.id.description, version: p.head, board: board.board,
                        routine: nil, people: waiting,
                        title: "\(p.id) needs the votes of board \(board.board): \(p.changes.count) change(s)",
                        details: [
                            "proposal": p.id.description, "head": p.head, "changeSetHash": p.changeSetHash,
                            "vote": "charter vote \(p.id) approve|reject --as NAME",
                        ]))
            }
        }
        return result
    }

    /// Runs waiting for a board's approval, addressed to the board's applied roster.
    public static func approvalsNeeded(
        _ approvals: [PendingApproval], routines: [String: String], actual: OrgState
    ) -> [NotificationOccurrence] {
        approvals.map { a in
            var details = ["run": a.run, "step": a.step, "vote": "charter vote \(a.key) approve|reject --as NAME"]
            if let tool = a.tool { details["tool"] = tool }
            if let deadline = a.deadline { details["deadline"] = Timestamp.utc(deadline) }
            let what = a.tool.map { "the call of \($0)" } ?? "step \(a.step)"
            return NotificationOccurrence(
                type: .runApprovalNeeded, subject: a.key, version: a.hash, board: a.board, routine: routines[a.run],
                people: actual.roster(ofBoard: a.board).sorted(),
                title: "run \(a.run) waits for board \(a.board) to approve \(what)", details: details)
        }
    }

    /// Runs that failed since `since`.
    public static func failedRuns(_ runs: [RunRecord], since: Date) -> [NotificationOccurrence] {
        runs.filter { $0.state == .failed && ($0.finishedAt ?? .distantPast) >= since }.map { r in
            var details = ["run": r.id, "template": r.template]
            if let routine = r.routine { details["routine"] = routine }
            if let error = r.error { details["error"] = Excerpt.cut(error, limit: 500) }
            return NotificationOccurrence(
                type: .runFailed, subject: r.id, version: "failed", board: nil, routine: r.routine, people: [],
                title: "run \(r.id)\(r.routine.map { " of routine \($0)" } ?? "") failed", details: details)
        }
    }

    /// Budgets at 80 % and at 100 % of a daily limit today.
    public static func budgets(_ usage: [BudgetUsage]) -> [NotificationOccurrence] {
        var result: [NotificationOccurrence] = []
        for u in usage {
            let type: NotificationRoute.EventType
            if u.fraction >= 1 {
                type = .budgetExhausted
            } else if u.fraction >= warningFraction {
                type = .budgetWarning
            } else {
                continue
            }
            let scope: String
            switch u.scope {
            case .role(let name): scope = "role/\(name)"
            case .routine(let name): scope = "routine/\(name)"
            case .organization: scope = "organization"
            }
            let percent = Int((u.fraction * 100).rounded(.down))
            result.append(
                NotificationOccurrence(
                    type: type, subject: "\(scope)/\(u.metric.rawValue)/\(u.day)", version: u.day, board: nil,
                    routine: nil, people: [],
                    title: "the daily \(u.metric.rawValue) budget of \(u.scope) is at \(percent) % (\(u.day))",
                    details: [
                        "scope": scope, "metric": u.metric.rawValue, "day": u.day, "limit": String(u.limit),
                        "used": String(u.used),
                    ]))
        }
        return result
    }

    /// The controller stalled, with its reason.
    public static func stalled(reason: String, message: String) -> NotificationOccurrence {
        NotificationOccurrence(
            type: .controllerStalled, subject: "controller", version: reason, board: nil, routine: nil, people: [],
            title: "the controller is stalled: \(Excerpt.cut(message, limit: 300))",
            details: ["reason": reason, "message": Excerpt.cut(message, limit: 1000)])
    }
}
