import CharterEngine
import CharterModel
import CharterStore
import Foundation

/// The run lists and approvals that `charter runs -o json`, the API and the dashboard show.
public enum RunViews {
    /// One line per run: id, template, routine, state, when created and finished.
    public static func list(_ runs: [RunRecord]) -> Value {
        .array(
            runs.map { r in
                [
                    "id": .string(r.id), "template": .string(r.template),
                    "routine": r.routine.map(Value.string) ?? .null, "state": .string(r.state.rawValue),
                    "createdAt": .string(Event.timestamp(r.createdAt)),
                    "finishedAt": r.finishedAt.map { .string(Event.timestamp($0)) } ?? .null,
                ]
            })
    }

    /// Approval steps and tool calls waiting for their boards, with what a vote must bind to.
    public static func approvals(_ pending: [PendingApproval]) -> Value {
        .array(
            pending.map { p in
                [
                    "key": .string(p.key), "run": .string(p.run), "step": .string(p.step),
                    "call": p.call.map(Value.string) ?? .null, "tool": p.tool.map(Value.string) ?? .null,
                    "arguments": p.arguments.map(Value.string) ?? .null, "board": .string(p.board),
                    "message": .string(p.message), "hash": .string(p.hash),
                    "deadline": p.deadline.map { .string(Event.timestamp($0)) } ?? .null,
                    "vote": .string("charter vote \(p.key) approve --as NAME --key KEYFILE"),
                ]
            })
    }

    /// A run's detail: its steps, attempts, usage, sandbox notes and agent turns and calls.
    public static func detail(_ detail: RunDetail, events: [Event]) -> Value {
        RunStatusWriter.summary(
            detail, usage: RunUsage(events: events), notes: RunSandboxNotes(events: events),
            agents: AgentActivity(events: events))
    }
}
