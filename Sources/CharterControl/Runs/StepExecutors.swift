import CharterBroker
import CharterEngine
import CharterModel
import CharterShell
import Foundation

extension AgentStepExecutor {
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
