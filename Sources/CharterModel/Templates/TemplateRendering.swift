extension TemplateInstance {
    /// The step's `prompt` with values inserted as text; nil when the step has no prompt.
    public func renderPrompt(
        _ step: TemplateStep, results: [String: TemplateStepResult] = [:]
    ) throws(TemplateRenderError) -> String? {
        guard let prompt = step.prompt else { return nil }
        return try render(prompt, step: step, field: "prompt", results: results) { $0.text }
    }

    /// The step's `run` script, as written: values never enter it (they reach it through `env`),
    /// so no value is ever read by a shell as code. Nil when the step has no script.
    ///
    /// - Throws: ``TemplateRenderError`` when the script holds a `${{ }}` substitution, which
    ///   `charter validate` refuses; a run created before that rule existed fails here rather than
    ///   substitute.
    public func renderCommand(_ step: TemplateStep) throws(TemplateRenderError) -> String? {
        guard let run = step.run else { return nil }
        do throws(TemplateExpressionError) {
            let parsed = try TemplateText(parsing: run)
            for case .substitution(_, let offset) in parsed.segments {
                throw TemplateExpressionError(
                    Self.runSubstitutionMessage, at: offset, hint: Self.runSubstitutionHint)
            }
        } catch {
            throw TemplateRenderError(template: template.name, step: step.name, field: "run", error: error)
        }
        return run
    }

    static let runSubstitutionMessage =
        "values cannot be substituted into `run`, where a shell would read them as code"
    static let runSubstitutionHint =
        "pass the value through `env` (`env: {NAME: \"${{ params.x }}\"}`) and write \"$NAME\" in the script"

    /// The step's environment with values inserted as plain text: environment values reach the
    /// program as they are, with no shell in between.
    public func renderEnvironment(
        _ step: TemplateStep, results: [String: TemplateStepResult] = [:]
    ) throws(TemplateRenderError) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in step.env {
            out[key] = try render(value, step: step, field: "env.\(key)", results: results, valueCheck: Self.refuseNUL)
            {
                $0.text
            }
        }
        return out
    }

    /// An approval step's `message` with values inserted as text; nil when it has none.
    public func renderMessage(
        _ step: TemplateStep, results: [String: TemplateStepResult] = [:]
    ) throws(TemplateRenderError) -> String? {
        guard let message = step.message else { return nil }
        return try render(message, step: step, field: "message", results: results) { $0.text }
    }

    /// Whether the step runs: its `when` condition evaluated for truthiness; true without one.
    public func evaluateWhen(
        _ step: TemplateStep, results: [String: TemplateStepResult] = [:]
    ) throws(TemplateRenderError) -> Bool {
        guard let when = step.when else { return true }
        do {
            return try scope(results).evaluate(try TemplateExpression.parseCondition(when)).isTruthy
        } catch {
            throw TemplateRenderError(template: template.name, step: step.name, field: "when", error: error)
        }
    }

    private func scope(_ results: [String: TemplateStepResult]) -> EvaluationScope {
        EvaluationScope(parameters: parameters, steps: results, runID: runID, template: template.name, routine: routine)
    }

    /// Arguments and outputs reach processes as C strings, which end at the first NUL.
    private static func refuseNUL(_ value: Value, _ offset: Int) throws(TemplateExpressionError) {
        let texts = value.array?.map(\.text) ?? [value.text]
        if texts.contains(where: { $0.unicodeScalars.contains("\0") }) {
            throw TemplateExpressionError(
                "the value holds a NUL character, which cannot reach a command or its environment", at: offset)
        }
    }

    private func render(
        _ text: String, step: TemplateStep, field: String, results: [String: TemplateStepResult],
        valueCheck: (Value, Int) throws(TemplateExpressionError) -> Void = { _, _ in },
        format: (Value) -> String
    ) throws(TemplateRenderError) -> String {
        do {
            let parsed = try TemplateText(parsing: text)
            let scope = scope(results)
            var out = ""
            for segment in parsed.segments {
                switch segment {
                case .text(let s): out += s
                case .substitution(let e, let offset):
                    let value = try scope.evaluate(e)
                    try valueCheck(value, offset)
                    out += format(value)
                }
            }
            return out
        } catch {
            throw TemplateRenderError(template: template.name, step: step.name, field: field, error: error)
        }
    }
}
