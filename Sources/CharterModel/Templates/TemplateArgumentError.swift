/// One argument problem found when a template is instantiated.
public struct TemplateArgumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The template being instantiated.
    public var template: String
    /// The parameter concerned, as the caller wrote it (an unknown name is reported as given).
    public var parameter: String
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var hint: String?

    /// Creates a problem about `parameter` of `template`.
    public init(template: String, parameter: String, message: String, hint: String? = nil) {
        self.template = template
        self.parameter = parameter
        self.message = message
        self.hint = hint
    }

    /// `template code-review: parameter branch: … — hint`.
    public var description: String {
        "template \(template): parameter \(parameter): \(message)" + (hint.map { " — \($0)" } ?? "")
    }
}

/// The error thrown when arguments do not fit a template: every problem, sorted by parameter.
public struct TemplateInstantiationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem at once, so one attempt shows everything to fix.
    public var problems: [TemplateArgumentError]

    /// Wraps `problems`, sorted by parameter name.
    public init(_ problems: [TemplateArgumentError]) {
        self.problems = problems.sorted { ($0.parameter, $0.message) < ($1.parameter, $1.message) }
    }

    public var description: String {
        let n = problems.count
        return problems.map(\.description).joined(separator: "\n")
            + "\n\(n) problem\(n == 1 ? "" : "s") with the arguments; the template was not run"
    }
}

/// A problem met while rendering a step: a field that does not parse or an expression that
/// cannot be evaluated with what the run has so far.
public struct TemplateRenderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The template.
    public var template: String
    /// The step being rendered.
    public var step: String
    /// The field: `prompt`, `run`, `env.NAME`, `message` or `when`.
    public var field: String
    /// The problem, with its offset inside the field's text.
    public var error: TemplateExpressionError

    /// Creates a render error.
    public init(template: String, step: String, field: String, error: TemplateExpressionError) {
        self.template = template
        self.step = step
        self.field = field
        self.error = error
    }

    public var description: String { "template \(template): step \(step): \(field) \(error)" }
}
