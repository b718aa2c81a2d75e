import CharterBroker
import CharterModel
import CharterStore
import Foundation

/// What the agent steps of a run did, read from its events: each turn with its model, tokens and
/// cost, each tool call with its arguments, decision, result and duration. `charter show`, `charter
/// logs` and the run's summary on the status branch render it.
public struct AgentActivity: Sendable, Hashable {
    /// One tool call.
    public struct Call: Sendable, Hashable {
        public var id: String
        /// The dotted tool name, or the name the model wrote when it named no offered tool.
        public var tool: String
        public var arguments: String
        /// `allowed`, `refused`, `invalid`, `approval` (waiting or decided), from the turn's record.
        public var decision: String
        /// Why it was refused or invalid.
        public var reason: String?
        /// The board asked, while or after it waited.
        public var board: String?
        /// How the board decided: true approved, false rejected, nil undecided or never asked.
        public var approved: Bool?
        public var result: String?
        public var isError: Bool
        public var durationMs: Int?
    }

    /// One model turn.
    public struct Turn: Sendable, Hashable {
        public var number: Int
        public var model: String
        public var tokens: Int
        public var costMicroUSD: Int?
        public var text: String
        public var calls: [Call]
    }

    /// The turns of each agent step, by step name.
    public var steps: [String: [Turn]] = [:]

    /// Characters of arguments, results and answers kept in records and renderings.
    public static let previewLength = 280

    /// The activity in `events` (one run's, in order).
    public init(events: [Event]) {
        var pendingApproval: (step: String, call: String)?
        for event in events {
            guard let step = event.data["step"]?.string else { continue }
            switch event.type {
            case "agent.turn":
                let usage = event.data["usage"]
                let calls = (event.data["calls"]?.array ?? []).map { call in
                    Call(
                        id: call["id"]?.string ?? "", tool: call["tool"]?.string ?? call["wireName"]?.string ?? "?",
                        arguments: call["preview"]?.string ?? "", decision: call["decision"]?.string ?? "",
                        reason: call["reason"]?.string, board: nil, approved: nil, result: nil, isError: false,
                        durationMs: nil)
                }
                steps[step, default: []].append(
                    Turn(
                        number: event.data["turn"]?.int ?? 0, model: event.data["model"]?.string ?? "",
                        tokens: (usage?["input"]?.int ?? 0) + (usage?["output"]?.int ?? 0),
                        costMicroUSD: usage?["costMicroUSD"]?.int, text: event.data["text"]?.string ?? "",
                        calls: calls))
            case "agent.tool":
                update(step, event.data["call"]?.string) { call in
                    call.result = event.data["preview"]?.string
                    call.isError = event.data["isError"]?.bool ?? false
                    call.durationMs = event.data["durationMs"]?.int
                    if let decision = event.data["decision"]?.string, call.decision != "approval" {
                        call.decision = decision
                    }
                }
            case "agent.approval":
                let id = event.data["call"]?.string
                update(step, id) { call in call.board = event.data["board"]?.string }
                if let id { pendingApproval = (step, id) }
            case "step.resolved":
                if let pending = pendingApproval, pending.step == step {
                    update(step, pending.call) { call in call.approved = event.data["approved"]?.bool }
                    pendingApproval = nil
                }
            default:
                continue
            }
        }
    }

    private mutating func update(_ step: String, _ id: String?, _ change: (inout Call) -> Void) {
        guard let id, var turns = steps[step], let t = turns.lastIndex(where: { $0.calls.contains { $0.id == id } }),
            let c = turns[t].calls.firstIndex(where: { $0.id == id })
        else { return }
        change(&turns[t].calls[c])
        steps[step] = turns
    }

    /// Lines describing step `step`'s turns for a terminal, indented by `indent`; `run` names the
    /// run for the `charter vote` command of a call waiting for a board.
    public func lines(step: String, run: String, indent: String = "      ") -> [String] {
        var lines: [String] = []
        for turn in steps[step] ?? [] {
            var head = "\(indent)turn \(turn.number)  \(turn.model)  \(turn.tokens) tokens"
            if let cost = turn.costMicroUSD { head += "  " + TokenPrices.usd(Int64(cost)) }
            if turn.calls.isEmpty { head += "  answered: \(Self.oneLine(turn.text, 100))" }
            lines.append(head)
            for call in turn.calls { lines.append("\(indent)  " + Self.describe(call, run: run, step: step)) }
        }
        return lines
    }

    /// One line for a call: what was asked, what was decided, what came back.
    public static func describe(_ call: Call, run: String, step: String) -> String {
        // The id and a refused call's name are the model's text: kept on one line.
        var s = "\(oneLine(call.id, 64)) \(oneLine(call.tool, 80)) \(oneLine(call.arguments, 120)) → "
        switch (call.decision, call.approved) {
        case ("approval", nil) where call.result == nil:
            s += "awaiting approval by board \(call.board ?? "?")"
            // A command to copy only for an id that is a safe name (the only ones published).
            if RunApprovals.isSafeName(call.id) { s += " (charter vote \(run)/\(step)/\(call.id) approve|reject)" }
            return s
        case ("approval", true?): s += "approved by board \(call.board ?? "?")"
        case ("approval", false?): s += "rejected by board \(call.board ?? "?")"
        case ("refused", _), ("invalid", _): s += "\(call.decision): \(oneLine(call.reason ?? "", 240))"
        default: s += call.decision
        }
        if let ms = call.durationMs { s += " \(ms) ms" }
        // A refusal's result is its reason, already shown.
        if let result = call.result, call.decision != "refused", call.decision != "invalid" {
            s += (call.isError ? " ✗ " : ": ") + oneLine(result, 120)
        }
        return s
    }

    /// `text` on one line (newlines shown as `⏎`), at most `limit` characters.
    static func oneLine(_ text: String, _ limit: Int) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "⏎")
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }

    /// The machine-readable activity of step `step` (for `summary.yaml` and JSON output).
    public func value(step: String) -> Value {
        guard let turns = steps[step] else { return .null }
        return .array(
            turns.map { turn in
                [
                    "turn": .int(turn.number), "model": .string(turn.model), "tokens": .int(turn.tokens),
                    "costMicroUSD": turn.costMicroUSD.map(Value.int) ?? .null, "text": .string(turn.text),
                    "calls": .array(
                        turn.calls.map { call in
                            [
                                "id": .string(call.id), "tool": .string(call.tool),
                                "arguments": .string(call.arguments),
                                "decision": .string(call.decision), "reason": call.reason.map(Value.string) ?? .null,
                                "board": call.board.map(Value.string) ?? .null,
                                "approved": call.approved.map(Value.bool) ?? .null,
                                "result": call.result.map(Value.string) ?? .null, "isError": .bool(call.isError),
                                "durationMs": call.durationMs.map(Value.int) ?? .null,
                            ]
                        }),
                ]
            })
    }
}

extension AgentActivity {
    /// A readable line for an `agent.*` event in `charter logs`, or nil for other events.
    public static func logLine(_ event: Event) -> String? {
        let d = event.data
        let step = d["step"]?.string ?? ""
        switch event.type {
        case "agent.started":
            let tools = d["tools"]?.array?.compactMap(\.string) ?? []
            return "\(step): started; tools offered: \(tools.isEmpty ? "none" : tools.joined(separator: ", "))"
        case "agent.turn":
            let tokens = (d["usage"]?["input"]?.int ?? 0) + (d["usage"]?["output"]?.int ?? 0)
            var line = "\(step): turn \(d["turn"]?.int ?? 0) \(d["model"]?.string ?? "") \(tokens) tokens"
            if let cost = d["usage"]?["costMicroUSD"]?.int { line += " " + TokenPrices.usd(Int64(cost)) }
            let calls = d["calls"]?.array ?? []
            if calls.isEmpty { return line + "; answered: " + oneLine(d["text"]?.string ?? "", 200) }
            let described = calls.map { call in
                let name = oneLine(call["tool"]?.string ?? call["wireName"]?.string ?? "?", 80)
                return
                    "\(oneLine(call["id"]?.string ?? "", 64)) \(name) \(oneLine(call["preview"]?.string ?? "", 120)) [\(call["decision"]?.string ?? "")"
                    + (call["reason"]?.string.map { ": \($0)" } ?? "") + "]"
            }
            return line + "; calls: " + described.joined(separator: "; ")
        case "agent.call":
            let call = oneLine(d["call"]?.string ?? "", 64)
            return "\(step): \(call) \(d["tool"]?.string ?? "") starting (side-effecting)"
        case "agent.tool":
            let call = oneLine(d["call"]?.string ?? "", 64)
            return "\(step): \(call) \(d["tool"]?.string ?? "") \(d["decision"]?.string ?? "") "
                + "\(d["durationMs"]?.int ?? 0) ms" + ((d["isError"]?.bool ?? false) ? " ✗ " : ": ")
                + oneLine(d["preview"]?.string ?? "", 200)
        case "agent.approval":
            return
                "\(step): \(d["call"]?.string ?? "") \(d["tool"]?.string ?? "") \(oneLine(d["arguments"]?.string ?? "", 160)) "
                + "waits for board \(d["board"]?.string ?? "") (Policy \(d["policy"]?.string ?? "")); hash \(d["hash"]?.string ?? "")"
        default:
            return nil
        }
    }
}
