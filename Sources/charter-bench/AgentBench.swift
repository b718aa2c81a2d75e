import CharterBroker
import CharterControl
import CharterEngine
import CharterModel
import CharterTools
import Foundation

/// `charter-bench agent`: the agent loop's own cost per tool call, durability on. A model that
/// answers at once with one call of a tool that does nothing, so what is timed between two model
/// requests is the loop: deciding the call under the rules, journaling the turn and the result
/// (two group commits and their blobs), running the call, and building the next request.
struct AgentBench {
    /// A tool that does nothing: its time is not the loop's.
    struct NoopTool: AgentTool {
        let name = "bench.noop"
        let summary = "Does nothing."
        let parameters: Value = ["type": "object", "properties": ["n": ["type": "integer"]]]
        let effect = ToolEffect.readOnly
        func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
            ToolOutput("ok")
        }
    }

    /// Calls `bench__noop` for `calls` turns, then answers; notes when each request arrived.
    final class InstantModel: CompletionProvider, @unchecked Sendable {
        let name = "instant"
        let calls: Int
        // Guards `arrivals`.
        private let lock = NSLock()
        private var arrivals: [ContinuousClock.Instant] = []

        init(calls: Int) { self.calls = calls }

        func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
            let turn = lock.withLock {
                arrivals.append(.now)
                return arrivals.count
            }
            let usage = TokenUsage(input: 10, output: 5)
            guard turn <= calls else {
                return CompletionResponse(text: "done", model: "instant", finishReason: .stop, usage: usage)
            }
            return CompletionResponse(
                text: "", model: "instant", finishReason: .toolCall, usage: usage,
                toolCalls: [ToolCall(id: "call-\(turn)", name: "bench__noop", arguments: #"{"n":\#(turn)}"#)])
        }

        /// Milliseconds between consecutive requests: one loop iteration each.
        func gaps() -> [Double] {
            let times = lock.withLock { arrivals }
            return zip(times, times.dropFirst()).map { a, b in
                let d = b - a
                return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            }
        }
    }

    var calls: Int
    var rounds: Int
    var dataDirectory: URL?

    func run() async throws {
        print("Agent loop benchmark: \(calls) tool calls per step, durability on (WAL, synchronous=NORMAL)")
        print("")
        print("| round | calls | wall s | loop ms/call p50 | p90 | p99 | max |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        var medians: [Double] = []
        for round in 0...rounds {
            let directory =
                dataDirectory?.appendingPathComponent("agent-\(round)")
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("charter-agent-bench-\(UUID())")
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { if dataDirectory == nil { try? FileManager.default.removeItem(at: directory) } }
            let (gaps, seconds) = try await once(directory)
            let sorted = gaps.sorted()
            func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
            // Round 0 warms up (SQLite pages, the runtime) and is not reported.
            guard round > 0 else { continue }
            medians.append(at(0.5))
            print(
                "| \(round) | \(gaps.count) | \(String(format: "%.2f", seconds)) | \(String(format: "%.3f", at(0.5))) "
                    + "| \(String(format: "%.3f", at(0.9))) | \(String(format: "%.3f", at(0.99))) "
                    + "| \(String(format: "%.3f", sorted.last ?? 0)) |")
        }
        print("")
        print("median of the rounds' p50: \(String(format: "%.3f", median(medians))) ms per tool call (target ≤ 1 ms)")
    }

    private func once(_ directory: URL) async throws -> ([Double], Double) {
        let policy = Policy(name: "bench", spec: ["runRules": ["tools": ["allow": ["bench.*"]]]])
        let role = Role(name: "bench", spec: ["capacityClass": "standard", "tools": ["bench.noop"]])
        let rules = StepRules(
            RunRules(policies: [policy]), credentials: directory.appendingPathComponent("credentials"))
        var resources: [ResourceID: Resource] = [:]
        for (kind, name, value) in [
            (ResourceKind.policy, "bench", Value.object(["spec": ["runRules": ["tools": ["allow": ["bench.*"]]]]])),
            (.role, "bench", ["spec": ["capacityClass": "standard", "tools": ["bench.noop"]]]),
        ] {
            resources[ResourceID(kind, name)] = Resource(id: ResourceID(kind, name), value: value)
        }
        rules.update(OrgState(resources: resources))
        _ = role
        let model = InstantModel(calls: calls)
        let store = try RunStore(directory: directory)
        let engine = WorkflowEngine(
            store: store,
            executors: [
                "agent": AgentStepExecutor(
                    provider: model, rules: rules, toolbox: BuiltInToolbox(extra: [NoopTool()]))
            ],
            configuration: EngineConfiguration(actor: "bench", resumableStepTypes: ["agent"]))
        try await engine.start()
        var step = TemplateStep(
            [
                "name": "loop", "type": "agent", "role": "bench", "prompt": "go", "maxTurns": .int(calls + 1),
                "maxTokens": 50_000_000,
            ])
        step.timeoutMilliseconds = 86_400_000
        let started = ContinuousClock.now
        try await engine.submit(RunSpec(id: "agent-bench", template: "bench", steps: [StepSpec(step)]))
        let record = try await engine.waitForCompletion(of: "agent-bench")
        let elapsed = ContinuousClock.now - started
        await engine.halt()
        guard record.state == .succeeded else {
            throw UsageError(message: "the run \(record.state): \(record.error ?? "")")
        }
        return (model.gaps(), Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
