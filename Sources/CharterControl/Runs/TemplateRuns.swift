import CharterEngine
import CharterModel
import Foundation

/// Templates become engine runs here, and engine steps become template steps again when they run.
///
/// A run carries everything it needs — the bound parameter values, each step's prompt, command,
/// environment and board, and a snapshot of each agent step's Role — so a run resumed after a restart
/// does exactly what it was created to do, whatever the repository says by then.
public enum TemplateRuns {
    /// The engine's spec for a run of `instance` with id `id`.
    public static func spec(
        _ instance: TemplateInstance, id: String, routine: String? = nil, scheduledAt: Date? = nil,
        priority: Int = 0, roles: [String: Role]
    ) -> RunSpec {
        let steps = instance.template.steps.map { step -> StepSpec in
            var spec = StepSpec(step)
            // The run's priority orders agent calls when capacity is short.
            if priority != 0, case .object(var payload) = spec.payload {
                payload["priority"] = .int(priority)
                spec.payload = .object(payload)
            }
            if let name = step.role, let role = roles[name], case .object(var payload) = spec.payload {
                var snapshot: [String: Value] = [
                    "capacityClass": .string(role.capacityClass), "systemPrompt": .string(role.systemPrompt),
                ]
                if let model = role.model { snapshot["model"] = .string(model) }
                payload["roleSpec"] = .object(snapshot)
                spec.payload = .object(payload)
            }
            return spec
        }
        return RunSpec(
            id: id, template: instance.template.name, routine: routine, scheduledAt: scheduledAt,
            parameters: instance.parameters, priority: priority, steps: steps)
    }

    /// The template step an engine step was made from (the fields that render or govern it: prompt,
    /// run, env, network, secrets, message, when).
    static func templateStep(_ spec: StepSpec) -> TemplateStep {
        var value: [String: Value] = ["name": .string(spec.name), "type": .string(spec.type)]
        for key in ["role", "prompt", "run", "env", "network", "secrets", "board", "message", "maxTurns", "maxTokens"] {
            if let v = spec.payload[key] { value[key] = v }
        }
        if let when = spec.when { value["when"] = .string(when) }
        return TemplateStep(.object(value))
    }

    /// The instance a step renders with: the run's stored values, checked when the run was created.
    static func instance(
        template: String, parameters: [String: Value], runID: String, routine: String?
    )
        -> TemplateInstance
    {
        TemplateInstance(
            template: Template(name: template, spec: ["steps": []]), bound: parameters, runID: runID, routine: routine)
    }

    /// Finished steps as the expression language sees them.
    static func results(_ upstream: [String: UpstreamResult]) -> [String: TemplateStepResult] {
        upstream.mapValues { r in
            switch r.outcome {
            case .succeeded: TemplateStepResult(.succeeded, output: r.output ?? "")
            case .failed, .cancelled: TemplateStepResult(.failed, output: r.output ?? "")
            case .skipped: TemplateStepResult(.skipped)
            }
        }
    }
}

/// `when` conditions in the template expression language (docs/TEMPLATES.md).
public struct TemplateGate: StepGate {
    /// The gate.
    public init() {}

    /// Evaluates `condition` over the run's parameters and the finished steps.
    public func evaluate(
        _ condition: String, step: StepSpec, upstream: [String: UpstreamResult], parameters: [String: Value]
    ) throws -> GateDecision {
        let instance = TemplateRuns.instance(template: "", parameters: parameters, runID: "", routine: nil)
        return try instance.evaluateWhen(TemplateRuns.templateStep(step), results: TemplateRuns.results(upstream))
            ? .run : .skip
    }
}
