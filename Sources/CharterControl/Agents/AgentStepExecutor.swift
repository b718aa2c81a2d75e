import CharterBroker
import CharterEngine
import CharterFoundation
import CharterModel
import CharterTools
import Foundation

/// `agent` steps: the Role's system prompt and the step's prompt to a model, with the tools the
/// Role and the applied Policies allow; the model's tool calls are decided, run and answered until
/// it answers without one (docs/AGENTS.md).
///
/// Every turn and every call is journaled before it takes effect, so a step interrupted by a stop
/// continues from its last completed turn, a finished call never runs again, and a side-effecting
/// call cut off mid-flight is reported to the model as interrupted instead of being repeated.
public struct AgentStepExecutor: StepExecutor {
    let call: @Sendable (CompletionRequest, BrokerCallContext) async throws -> CompletionResponse
    let rules: StepRules?
    let toolbox: any AgentToolbox

    /// An executor calling `provider` directly.
    public init(provider: any CompletionProvider, rules: StepRules? = nil, toolbox: any AgentToolbox = BuiltInToolbox())
    {
        call = { request, _ in try await provider.complete(request) }
        self.rules = rules
        self.toolbox = toolbox
    }

    /// An executor calling through `broker`, which charges the run's routine, queues by the run's
    /// priority and waits no longer than the step's deadline.
    public init(broker: CapacityBroker, rules: StepRules? = nil, toolbox: any AgentToolbox = BuiltInToolbox()) {
        call = { request, context in try await broker.complete(request, context: context) }
        self.rules = rules
        self.toolbox = toolbox
    }

    /// The most output tokens one turn may ask for.
    static let maxOutputTokensPerTurn = 4096
    /// The most calls of one turn that are run; the rest are refused. Each may bring back a whole
    /// result into memory and the next request, and a server need not keep to the token limit.
    static let maxCallsPerTurn = 64

    public func execute(_ context: StepContext) async throws -> StepResult {
        let step = TemplateRuns.templateStep(context.step)
        let role = step.role ?? ""
        let journal = context.journal ?? .ephemeral()
        var transcript = try AgentTranscript(try journal.history(), journal: journal)
        let session = try await toolbox.open(context, rules: rules?.current ?? RunRules(policies: []))
        do {
            let result = try await run(context, step: step, role: role, journal: journal, session: session, &transcript)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    private func run(
        _ context: StepContext, step: TemplateStep, role: String, journal: StepJournal, session: AgentToolSession,
        _ transcript: inout AgentTranscript
    ) async throws -> StepResult {
        var loop = AgentLoop(
            context: context, step: step, role: role, journal: journal, registry: session.registry, rules: rules,
            call: call)
        if transcript.prompt == nil {
            let instance = TemplateRuns.instance(
                template: context.template, parameters: context.parameters, runID: context.runID,
                routine: context.routine)
            let prompt = try instance.renderPrompt(step, results: TemplateRuns.results(context.upstream)) ?? ""
            FailPoint.hit("run.agent-started")
            let sha = try journal.storeBlob(Data(prompt.utf8))
            var started: [String: Value] = [
                "prompt": .string(sha), "tools": .array(loop.offered().sorted().map(Value.string)),
            ]
            if !session.notes.isEmpty { started["notes"] = .array(session.notes.map(Value.string)) }
            try await journal.record("agent.started", .object(started))
            transcript.prompt = prompt
            transcript.messages = [.user(prompt)]
        }
        return try await loop.run(&transcript)
    }
}

/// One attempt's pass through the loop.
struct AgentLoop {
    let context: StepContext
    let step: TemplateStep
    let role: String
    let journal: StepJournal
    let registry: ToolRegistry
    let rules: StepRules?
    let call: @Sendable (CompletionRequest, BrokerCallContext) async throws -> CompletionResponse
    var usage = TokenUsage.zero
    var costMicros: Int64 = 0
    var lastResponse: CompletionResponse?
    /// Results of calls that may run again (read-only, idempotent, refused), journaled with the
    /// next record instead of on their own: a crash before that loses only what is safe to redo,
    /// and a tool call then costs one commit, not two.
    var pending: [(type: String, data: Value)] = []

    init(
        context: StepContext, step: TemplateStep, role: String, journal: StepJournal, registry: ToolRegistry,
        rules: StepRules?,
        call: @escaping @Sendable (CompletionRequest, BrokerCallContext) async throws -> CompletionResponse
    ) {
        self.context = context
        self.step = step
        self.role = role
        self.journal = journal
        self.registry = registry
        self.rules = rules
        self.call = call
    }

    var currentRules: RunRules { rules?.current ?? RunRules(policies: []) }

    /// The dotted names offered now: the Role lists them, some Policy allows them, none denies.
    func offered() -> Set<String> {
        guard let rules else { return [] }
        let patterns = rules.tools(ofRole: role)
        let current = rules.current
        return Set(registry.names.filter { current.refusal(ofTool: $0, role: role, rolePatterns: patterns) == nil })
    }

    mutating func run(_ transcript: inout AgentTranscript) async throws -> StepResult {
        let result = try await loop(&transcript)
        try await journal.record(pending)
        pending = []
        return result
    }

    private mutating func loop(_ transcript: inout AgentTranscript) async throws -> StepResult {
        while true {
            if let answer = transcript.answer { return finished(answer, transcript) }
            if !transcript.lastCalls.isEmpty {
                if let waiting = try await runCalls(&transcript) { return waiting }
                transcript.closeTurn()
                continue
            }
            if transcript.turns >= step.maxTurns {
                return limitReached(
                    "the step reached its maxTurns (\(step.maxTurns)) before the model answered without a tool call",
                    transcript)
            }
            if transcript.tokens >= step.maxTokens {
                return limitReached(
                    "the step used \(transcript.tokens) tokens, reaching its maxTokens (\(step.maxTokens)), before the model answered without a tool call",
                    transcript)
            }
            if let failure = try await turn(&transcript) { return failure }
        }
    }

    /// Journals `type` with whatever results wait, in one transaction.
    private mutating func record(_ type: String, _ data: Value) async throws {
        try await journal.record(pending + [(type, data)])
        pending = []
    }

    /// Asks the model once and journals its answer with a decision for each call it made.
    private mutating func turn(_ transcript: inout AgentTranscript) async throws -> StepResult? {
        let offered = offered()
        let tools = offered.sorted().compactMap { name -> ToolDefinition? in
            guard let tool = registry.tools[name], let wire = registry.wireName(of: name) else { return nil }
            return ToolDefinition(name: wire, description: tool.summary, parameters: tool.parameters)
        }
        let role = context.step.payload["roleSpec"]
        let number = transcript.turns + 1
        let request = CompletionRequest(
            modelClass: role?["capacityClass"]?.string ?? "standard", model: role?["model"]?.string,
            system: role?["systemPrompt"]?.string, messages: transcript.messages, tools: tools,
            maxOutputTokens: max(1, min(AgentStepExecutor.maxOutputTokensPerTurn, step.maxTokens - transcript.tokens)),
            metadata: CompletionMetadata(
                runID: context.runID, step: context.step.name, role: step.role, attempt: context.attempt),
            idempotencyKey: number == 1
                ? context.idempotencyKey : "\(context.runID)/\(context.step.name)/turn-\(number)")
        let response: CompletionResponse
        do {
            response = try await call(
                request,
                BrokerCallContext(
                    routine: context.routine, priority: context.step.payload["priority"]?.int ?? 0,
                    deadline: context.deadline))
        } catch let error as CompletionError {
            return .failed(reason: "\(error)", retryable: error.isRetryable, details: details(transcript))
        } catch let error as BudgetExceededError {
            var details = details(transcript)
            details["budget"] = AgentStepExecutor.budgetValue(error)
            return .failed(reason: "\(error)", retryable: false, details: details)
        } catch let error as BrokerError {
            return .failed(reason: "\(error)", retryable: true, details: details(transcript))
        }
        usage = usage + response.usage
        costMicros += response.accounting?.costMicros ?? 0
        lastResponse = response
        let current = currentRules
        var calls: [AgentTranscript.Call] = []
        var recorded: [Value] = []
        for (index, toolCall) in response.toolCalls.enumerated() {
            let decision = decide(
                (toolCall.name, toolCall.arguments), index: index, offered: offered, rules: current)
            var call = AgentTranscript.Call(
                id: toolCall.id, wireName: toolCall.name, tool: nil, arguments: toolCall.arguments,
                decision: decision.name)
            var entry: [String: Value] = [
                "id": .string(toolCall.id), "wireName": .string(toolCall.name), "decision": .string(decision.name),
                "arguments": .string(try journal.storeBlob(Data(toolCall.arguments.utf8))),
                "preview": .string(String(toolCall.arguments.prefix(AgentActivity.previewLength))),
            ]
            switch decision {
            case .allowed(let tool, _), .approval(let tool, _, _):
                call.tool = tool
            case .refused(let tool, let reason):
                call.tool = tool
                call.reason = reason
            case .invalid(let tool, let reason):
                call.tool = tool
                call.reason = reason
            }
            if let tool = call.tool { entry["tool"] = .string(tool) }
            if let reason = call.reason { entry["reason"] = .string(reason) }
            calls.append(call)
            recorded.append(.object(entry))
        }
        var data: [String: Value] = [
            "turn": .int(number), "response": .string(try journal.storeBlob(try JSONEncoder().encode(response))),
            "model": .string(response.model), "usage": AgentStepExecutor.usageValue(response),
            "calls": .array(recorded), "text": .string(String(response.text.prefix(AgentActivity.previewLength))),
        ]
        data["finishReason"] = .string(response.finishReason.rawValue)
        try await record("agent.turn", .object(data))
        transcript.turns = number
        transcript.tokens += response.usage.total
        transcript.messages.append(.assistant(response.text, toolCalls: response.toolCalls))
        transcript.lastCalls = calls
        if calls.isEmpty { transcript.answer = response.text }
        return nil
    }

    /// The decision on the call at `index` of its turn: past ``AgentStepExecutor/maxCallsPerTurn``
    /// refused, else decided under the rules.
    private func decide(
        _ call: (wireName: String, arguments: String), index: Int, offered: Set<String>, rules: RunRules
    ) -> CallDecision {
        guard index < AgentStepExecutor.maxCallsPerTurn else {
            let limit = AgentStepExecutor.maxCallsPerTurn
            return .refused(
                tool: registry.name(ofWire: call.wireName),
                reason: "only the first \(limit) calls of a turn are run; ask for the rest in the next turn")
        }
        return CallDecision.decide(call, registry: registry, offered: offered, rules: rules)
    }

    /// Runs the newest turn's calls that have no result yet, in order; returns a suspension when
    /// one waits for a board.
    private mutating func runCalls(_ transcript: inout AgentTranscript) async throws -> StepResult? {
        let current = currentRules
        for (index, call) in transcript.lastCalls.enumerated() where transcript.results[call.id] == nil {
            // Decided again under the rules now: a Policy applied while the step waited binds it.
            let decision = decide((call.wireName, call.arguments), index: index, offered: offered(), rules: current)
            let result: AgentTranscript.Result
            var details: [String: Value] = [:]
            let began = ContinuousClock.now
            switch decision {
            case .refused(_, let reason), .invalid(_, let reason):
                result = .init(text: "refused: \(reason)", isError: true)
            case .approval(let tool, let arguments, let rule):
                switch transcript.approvals[call.id] {
                case .some(.some(true)) where transcript.started.contains(call.id):
                    // Approved, started, cut off: like an allowed call, never run a second time.
                    result = .interrupted(tool)
                case .some(.some(true)):
                    result = try await execute(call, tool: tool, arguments: arguments, &transcript, &details)
                case .some(.some(false)):
                    let detail = transcript.approvalDetails[call.id] ?? "rejected"
                    result = .init(text: "rejected by board \(rule.board): \(detail)", isError: true)
                default:
                    // The id names the request on the status branch and in `charter vote`: one that
                    // cannot be published would wait for votes no one can cast.
                    guard RunApprovals.isSafeName(call.id) else {
                        result = .init(
                            text:
                                "refused: the call id `\(AgentActivity.oneLine(call.id, 64))` cannot be put to a board (ids are 1 to 128 ASCII letters, digits, `.`, `_` or `-`); nothing was run",
                            isError: true)
                        break
                    }
                    return try await awaitApproval(
                        call, turn: transcript.turns, tool: tool, arguments: arguments, rule: rule)
                }
            case .allowed(let tool, let arguments):
                if transcript.started.contains(call.id) {
                    result = .interrupted(tool)
                } else {
                    result = try await execute(call, tool: tool, arguments: arguments, &transcript, &details)
                }
            }
            let elapsed = ContinuousClock.now - began
            var data: [String: Value] = [
                "call": .string(call.id), "decision": .string(decision.name),
                "result": .string(try journal.storeBlob(Data(result.text.utf8))), "isError": .bool(result.isError),
                "durationMs": .int(
                    Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)),
                "preview": .string(String(result.text.prefix(AgentActivity.previewLength))),
            ]
            if let tool = call.tool { data["tool"] = .string(tool) }
            if !details.isEmpty { data["details"] = .object(details) }
            let mayRepeat: Bool =
                switch decision {
                case .refused, .invalid: true
                case .allowed(let tool, _): registry.tools[tool]?.effect.mayRepeat ?? false
                case .approval: false
                }
            if mayRepeat {
                pending.append(("agent.tool", .object(data)))
            } else {
                try await record("agent.tool", .object(data))
            }
            transcript.results[call.id] = result
        }
        return nil
    }

    /// Runs an allowed call: journaled first when it is side-effecting.
    private mutating func execute(
        _ call: AgentTranscript.Call, tool name: String, arguments: [String: Value],
        _ transcript: inout AgentTranscript, _ details: inout [String: Value]
    ) async throws -> AgentTranscript.Result {
        guard let tool = registry.tools[name] else {
            return .init(text: "refused: `\(name)` is not available", isError: true)
        }
        if !tool.effect.mayRepeat {
            try await record("agent.call", ["call": .string(call.id), "tool": .string(name)])
            transcript.started.insert(call.id)
            FailPoint.hit("agent.call-started")
        }
        let toolContext = ToolCallContext(
            runID: context.runID, step: context.step.name, role: step.role, callID: call.id,
            workspace: context.workspace,
            rules: currentRules, deadline: context.deadline)
        do {
            let output = try await tool.call(arguments, context: toolContext)
            details = output.details
            return .init(text: output.text, isError: output.isError)
        } catch let failure as ToolFailure {
            return .init(text: failure.message, isError: true)
        } catch let failure as ConfinedPathError {
            return .init(text: failure.message, isError: true)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return .init(text: "the tool failed: \(error)", isError: true)
        }
    }

    /// Journals a call waiting for `rule`'s board and suspends the step until it decides.
    private mutating func awaitApproval(
        _ call: AgentTranscript.Call, turn: Int, tool: String, arguments: [String: Value], rule: ToolApprovalRule
    ) async throws -> StepResult {
        let argumentsText = CanonicalJSON.string(.object(arguments))
        let hash = ToolCallApproval.hash(
            run: context.runID, step: context.step.name, turn: turn, call: call.id, board: rule.board, tool: tool,
            arguments: argumentsText)
        try await record(
            "agent.approval",
            [
                "call": .string(call.id), "turn": .int(turn), "tool": .string(tool), "board": .string(rule.board),
                "policy": .string(rule.policy), "arguments": .string(argumentsText), "hash": .string(hash),
            ])
        return .suspended(
            detail: "board \(rule.board) to approve \(call.id): \(tool) \(String(argumentsText.prefix(200)))")
    }

    private func finished(_ answer: String, _ transcript: AgentTranscript) -> StepResult {
        var artifacts: [String: Artifact] = [
            "prompt.txt": .data(Data((transcript.prompt ?? "").utf8)), "response.txt": .data(Data(answer.utf8)),
            "usage.json": .data(Data(CanonicalJSON.string(usageValue(transcript)).utf8)),
        ]
        if transcript.turns > 1 || transcript.messages.contains(where: { !$0.toolCalls.isEmpty }) {
            artifacts["transcript.json"] = .data(Self.transcriptJSON(transcript))
        }
        return .succeeded(output: answer, artifacts: artifacts, details: details(transcript))
    }

    private func limitReached(_ reason: String, _ transcript: AgentTranscript) -> StepResult {
        var details = details(transcript)
        details["limit"] = .string(reason)
        return .failed(
            reason: reason, retryable: false, details: details,
            artifacts: ["transcript.json": .data(Self.transcriptJSON(transcript))])
    }

    private func details(_ transcript: AgentTranscript) -> [String: Value] {
        ["usage": usageValue(transcript), "turns": .int(transcript.turns)]
    }

    /// The step's usage: this attempt's calls in detail, the whole loop's token total.
    private func usageValue(_ transcript: AgentTranscript) -> Value {
        var value: [String: Value] = [
            "model": .string(lastResponse?.model ?? ""), "input": .int(usage.input), "output": .int(usage.output),
            "cachedInput": .int(usage.cachedInput), "reasoning": .int(usage.reasoning),
            "turns": .int(transcript.turns), "loopTokens": .int(transcript.tokens),
        ]
        if let source = lastResponse?.accounting?.source {
            value["source"] = .string(source)
            value["costMicroUSD"] = .int(Int(costMicros))
        }
        return .object(value)
    }

    static func transcriptJSON(_ transcript: AgentTranscript) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(transcript.messages)) ?? Data()
    }
}

/// What a vote on a tool call binds to.
public enum ToolCallApproval {
    /// `sha256:` over the run, step, turn, call, board, tool and canonical arguments: a vote naming
    /// it approves exactly that call, once. The turn is in it because call ids are the model's: a
    /// model asking for the same call under the same id in a later turn asks again, and the votes
    /// on the first request (which stay on the status branch) must not approve the second.
    public static func hash(
        run: String, step: String, turn: Int, call: String, board: String, tool: String, arguments: String
    )
        -> String
    {
        "sha256:"
            + CanonicalJSON.sha256([
                "run": .string(run), "step": .string(step), "turn": .int(turn), "call": .string(call),
                "board": .string(board), "tool": .string(tool), "arguments": .string(arguments),
            ])
    }
}

extension AgentTranscript.Result {
    /// The answer for a side-effecting call that started and has no result: the controller stopped
    /// while it ran, and it is not run again.
    static func interrupted(_ tool: String) -> Self {
        .init(
            text:
                "interrupted: the controller stopped while `\(tool)` was running; it may or may not have taken effect. Check before calling it again.",
            isError: true)
    }
}
