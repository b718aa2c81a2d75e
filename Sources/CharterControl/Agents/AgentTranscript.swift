import CharterBroker
import CharterEngine
import CharterModel
import CharterStore
import Foundation

/// An agent step's conversation and counters, rebuilt from its journal: what a resumed or retried
/// step continues from, and what `charter show` and the run summary render.
///
/// The journal's events (docs/AGENTS.md, "The journal"):
/// - `agent.started` — `prompt` (blob), the tools offered;
/// - `agent.turn` — one model answer: `response` (blob of the text and tool calls), usage, cost,
///   and each call's decision (`allowed`, `refused`, `invalid`, `approval`), written before any
///   of its calls runs;
/// - `agent.call` — a side-effecting call is about to run (so a crash mid-call is known as such);
/// - `agent.tool` — a call's result (blob), its duration and whether it failed;
/// - `agent.approval` — a call waits for a board; the engine's `step.resolved` carries the decision.
struct AgentTranscript: Sendable {
    /// One call the model asked for in a turn.
    struct Call: Sendable, Hashable {
        var id: String
        var wireName: String
        /// The dotted name, when the model named a tool it was offered.
        var tool: String?
        var arguments: String
        /// `allowed`, `refused`, `invalid` or `approval`.
        var decision: String
        var reason: String?
    }

    /// A call's recorded result.
    struct Result: Sendable, Hashable {
        var text: String
        var isError: Bool
    }

    var prompt: String?
    var messages: [CompletionMessage] = []
    var turns = 0
    var tokens = 0
    /// The calls of the newest turn, in order.
    var lastCalls: [Call] = []
    /// Results of the newest turn's calls, by call id.
    var results: [String: Result] = [:]
    /// Side-effecting calls of the newest turn that started and have no result.
    var started: Set<String> = []
    /// Calls of the newest turn waiting for a board, and how the board decided (nil: not yet).
    var approvals: [String: Bool?] = [:]
    var approvalDetails: [String: String] = [:]
    /// The final answer, once the model answered without a tool call.
    var answer: String?

    /// The transcript of `events` (a step's history), reading blobs through `journal`.
    init(_ events: [Event], journal: StepJournal) throws {
        var pendingApproval: String?
        for event in events {
            let data = event.data
            switch event.type {
            case "agent.started":
                prompt = try data["prompt"]?.string.map { String(decoding: try journal.blob($0), as: UTF8.self) }
                if let prompt { messages = [.user(prompt)] }
            case "agent.turn":
                closeTurn()
                turns += 1
                tokens += data["usage"]?["input"]?.int ?? 0
                tokens += data["usage"]?["output"]?.int ?? 0
                let response = try data["response"]?.string.map { sha in
                    try JSONDecoder().decode(CompletionResponse.self, from: try journal.blob(sha))
                }
                lastCalls = (data["calls"]?.array ?? []).map { call in
                    Call(
                        id: call["id"]?.string ?? "", wireName: call["wireName"]?.string ?? "",
                        tool: call["tool"]?.string, arguments: "", decision: call["decision"]?.string ?? "refused",
                        reason: call["reason"]?.string)
                }
                for (i, call) in (response?.toolCalls ?? []).enumerated() where i < lastCalls.count {
                    lastCalls[i].arguments = call.arguments
                }
                messages.append(.assistant(response?.text ?? "", toolCalls: response?.toolCalls ?? []))
                if lastCalls.isEmpty { answer = response?.text ?? "" }
            case "agent.call":
                if let id = data["call"]?.string { started.insert(id) }
            case "agent.tool":
                guard let id = data["call"]?.string else { continue }
                let text = try data["result"]?.string.map { String(decoding: try journal.blob($0), as: UTF8.self) }
                results[id] = Result(text: text ?? "", isError: data["isError"]?.bool ?? false)
                started.remove(id)
            case "agent.approval":
                if let id = data["call"]?.string {
                    approvals[id] = .some(nil)
                    pendingApproval = id
                }
            case "step.resolved":
                if let id = pendingApproval {
                    approvals[id] = .some(data["approved"]?.bool ?? false)
                    approvalDetails[id] = data["detail"]?.string
                    pendingApproval = nil
                }
            default:
                continue
            }
        }
    }

    /// Whether every call of the newest turn has its result.
    var turnComplete: Bool { lastCalls.allSatisfy { results[$0.id] != nil } }

    /// Appends the newest turn's results as tool messages once all are in, so the conversation
    /// is ready for the next request.
    mutating func closeTurn() {
        guard !lastCalls.isEmpty, turnComplete else { return }
        for call in lastCalls {
            let result = results[call.id]!
            messages.append(.tool(id: call.id, content: result.text, isError: result.isError))
        }
        lastCalls = []
        results = [:]
        started = []
        approvals = [:]
        approvalDetails = [:]
    }
}
