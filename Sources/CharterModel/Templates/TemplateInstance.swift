/// A template with checked arguments for one run: every declared parameter that has a value
/// (given or defaulted) is in ``parameters``, and each fits its type and pattern.
public struct TemplateInstance: Sendable {
    /// The template.
    public let template: Template
    /// The values by parameter name, defaults applied.
    public let parameters: [String: Value]
    /// The run's identifier, readable as `run.id`.
    public let runID: String
    /// The routine that started the run, readable as `run.routine`; nil when started by hand.
    public let routine: String?

    /// Checks `arguments` (a Routine's `arguments`, already typed by YAML) against `template`.
    ///
    /// Every problem is reported at once: unknown parameters (with a suggestion), missing
    /// required ones, wrong types, pattern and enum mismatches.
    public init(
        template: Template, arguments: [String: Value], runID: String = "", routine: String? = nil
    ) throws(TemplateInstantiationError) {
        try self.init(template: template, typed: arguments.mapValues { .success($0) }, runID: runID, routine: routine)
    }

    /// An instance whose values were checked when its run was created (``init(template:arguments:runID:routine:)``)
    /// and stored with it: a run resumed after a restart renders with exactly those values, even if
    /// the template's parameters changed in the repository since.
    public init(template: Template, bound parameters: [String: Value], runID: String, routine: String?) {
        self.template = template
        self.parameters = parameters
        self.runID = runID
        self.routine = routine
    }

    /// Checks `--param k=v` strings against `template`, converting each by its parameter's type
    /// (see ``TemplateInstance/coerce(_:to:)``) and reporting every problem at once.
    public init(
        template: Template, commandLine: [String: String], runID: String = "", routine: String? = nil
    ) throws(TemplateInstantiationError) {
        let byName = Dictionary(template.parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var typed: [String: Result<Value, TemplateArgumentError>] = [:]
        for (key, text) in commandLine {
            guard let p = byName[key] else {
                typed[key] = .success(.string(text))  // reported as unknown below
                continue
            }
            typed[key] = Self.coerce(text, to: p).mapError {
                TemplateArgumentError(template: template.name, parameter: key, message: $0.message, hint: $0.hint)
            }
        }
        try self.init(template: template, typed: typed, runID: runID, routine: routine)
    }

    private init(
        template: Template, typed: [String: Result<Value, TemplateArgumentError>], runID: String, routine: String?
    ) throws(TemplateInstantiationError) {
        var problems: [TemplateArgumentError] = []
        func problem(_ parameter: String, _ message: String, hint: String? = nil) {
            problems.append(
                TemplateArgumentError(template: template.name, parameter: parameter, message: message, hint: hint))
        }
        let names = template.parameters.map(\.name)
        for key in typed.keys.sorted() where !names.contains(key) {
            let suggestion = Suggestion.closest(to: key, in: names)
            problem(
                key, "template `\(template.name)` has no parameter `\(key)`",
                hint: suggestion.map { "did you mean `\($0)`?" }
                    ?? (names.isEmpty
                        ? "it takes no parameters"
                        : "its parameters are \(names.map { "`\($0)`" }.joined(separator: ", "))"))
        }
        var values: [String: Value] = [:]
        for p in template.parameters where values[p.name] == nil {
            let given: Value
            switch typed[p.name] {
            case .failure(let e)?:
                problems.append(e)
                continue
            case .success(let v)?:
                given = v
            case nil:
                guard let d = p.defaultValue else {
                    if p.required {
                        problem(
                            p.name, "the parameter is required and has no default",
                            hint: "pass `--param \(p.name)=VALUE`, or add `\(p.name):` under the routine's arguments")
                    }
                    continue
                }
                given = d
            }
            if let why = p.problem(with: given) {
                let isDefault = typed[p.name] == nil
                problem(
                    p.name, (isDefault ? "the default does not fit: " : "") + why,
                    hint: isDefault ? "fix the template's default" : Self.advice(for: p))
                continue
            }
            values[p.name] = given
        }
        if !problems.isEmpty { throw TemplateInstantiationError(problems) }
        self.template = template
        self.parameters = values
        self.runID = runID
        self.routine = routine
    }

    /// What a value of `p` must look like.
    static func advice(for p: TemplateParameter) -> String {
        switch p.type {
        case .string: return p.pattern.map { "give a string matching `\($0)` in full" } ?? "give a string"
        case .int: return "give a whole number such as `5`"
        case .bool: return "give `true` or `false`"
        case .enum: return "give one of \(p.values.map { "`\($0)`" }.joined(separator: ", "))"
        case .list:
            return "give a list of strings"
                + (p.pattern.map { ", each matching `\($0)` in full," } ?? "") + ": `[\"a\", \"b\"]` or `a,b`"
        }
    }
}
