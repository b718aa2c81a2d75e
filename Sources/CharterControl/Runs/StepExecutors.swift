import CharterBroker
import CharterEngine
import CharterModel
import CharterShell
import Foundation

/// `agent` steps: the rendered prompt, with the Role's system prompt, to a completion provider.
///
/// The provider is the one interface LLM calls go through (the capacity broker fills it); until a
/// real source is configured, it is the documented offline provider.
public struct AgentStepExecutor: StepExecutor {
    let call: @Sendable (CompletionRequest, BrokerCallContext) async throws -> CompletionResponse

    /// An executor calling `provider` directly.
    public init(provider: any CompletionProvider) {
        call = { request, _ in try await provider.complete(request) }
    }

    /// An executor calling through `broker`, which charges the run's routine, queues by the run's
    /// priority and waits no longer than the step's deadline.
    public init(broker: CapacityBroker) {
        call = { request, context in try await broker.complete(request, context: context) }
    }

    public func execute(_ context: StepContext) async throws -> StepResult {
        let step = TemplateRuns.templateStep(context.step)
        let instance = TemplateRuns.instance(
            template: context.template, parameters: context.parameters, runID: context.runID, routine: context.routine)
        let prompt = try instance.renderPrompt(step, results: TemplateRuns.results(context.upstream)) ?? ""
        let role = context.step.payload["roleSpec"]
        FailPoint.hit("run.agent-started")
        let request = CompletionRequest(
            modelClass: role?["capacityClass"]?.string ?? "standard", model: role?["model"]?.string,
            system: role?["systemPrompt"]?.string, prompt: prompt,
            metadata: CompletionMetadata(
                runID: context.runID, step: context.step.name, role: step.role, attempt: context.attempt),
            idempotencyKey: context.idempotencyKey)
        let response: CompletionResponse
        do {
            response = try await call(
                request,
                BrokerCallContext(
                    routine: context.routine, priority: context.step.payload["priority"]?.int ?? 0,
                    deadline: context.deadline))
        } catch let error as CompletionError {
            return .failed(reason: "\(error)", retryable: error.isRetryable)
        } catch let error as BudgetExceededError {
            return .failed(reason: "\(error)", retryable: false, details: ["budget": Self.budgetValue(error)])
        } catch let error as BrokerError {
            return .failed(reason: "\(error)", retryable: true)
        }
        let usage = Self.usageValue(response)
        return .succeeded(
            output: response.text,
            artifacts: [
                "prompt.txt": .data(Data(prompt.utf8)), "response.txt": .data(Data(response.text.utf8)),
                "usage.json": .data(Data(CanonicalJSON.string(usage).utf8)),
            ], details: ["usage": usage])
    }

    /// What the call used, and where it ran and what it cost when the broker answered it: the
    /// `usage` of the step's `step.succeeded` event and its `usage.json` artifact.
    static func usageValue(_ response: CompletionResponse) -> Value {
        var usage: [String: Value] = [
            "model": .string(response.model), "input": .int(response.usage.input),
            "output": .int(response.usage.output), "cachedInput": .int(response.usage.cachedInput),
            "reasoning": .int(response.usage.reasoning),
        ]
        if let accounting = response.accounting {
            usage["source"] = .string(accounting.source)
            usage["costMicroUSD"] = .int(Int(accounting.costMicros))
        }
        return .object(usage)
    }

    /// The refusal, for the `budget` of the step's `step.failed` event.
    static func budgetValue(_ error: BudgetExceededError) -> Value {
        let scope: Value =
            switch error.scope {
            case .role(let name): ["role": .string(name)]
            case .routine(let name): ["routine": .string(name)]
            case .organization: ["organization": .bool(true)]
            }
        return [
            "scope": scope, "metric": .string(error.metric.rawValue), "day": .string(error.day),
            "limit": .int(Int(error.limit)), "used": .int(Int(error.used)), "reserved": .int(Int(error.reserved)),
            "requested": .int(Int(error.requested)),
        ]
    }
}

/// `approval` steps: the run waits, durably, until the step's board decides with signed votes
/// (`charter vote RUN/STEP approve …`), which the controller counts and resolves.
public struct ApprovalStepExecutor: StepExecutor {
    /// The executor.
    public init() {}

    public func execute(_ context: StepContext) async throws -> StepResult {
        let step = TemplateRuns.templateStep(context.step)
        let instance = TemplateRuns.instance(
            template: context.template, parameters: context.parameters, runID: context.runID, routine: context.routine)
        let message = try instance.renderMessage(step, results: TemplateRuns.results(context.upstream))
        return .suspended(detail: "board \(step.board ?? "?") to approve: \(message ?? context.step.name)")
    }
}
