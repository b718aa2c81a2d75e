/// What a load-time check of an expression found.
struct ExpressionIssue: Sendable, Hashable {
    /// The diagnostic code: `reference.missing`, `template.order` or `template.type`.
    var code: String
    var error: TemplateExpressionError
    /// A "did you mean" for the message, found only when the issue is shown: it scans every
    /// candidate, and a template can have thousands of issues.
    var suggestion: DeferredSuggestion?

    /// ``error`` with its suggestion worked out.
    func resolved() -> TemplateExpressionError {
        guard let suggestion else { return error }
        var e = error
        if let found = Suggestion.closest(to: suggestion.word, in: suggestion.candidates) {
            e.message += "; did you mean `\(found)`?"
        } else {
            e.hint = suggestion.hintWithout ?? e.hint
        }
        return e
    }
}

/// The word to find a suggestion for, among which candidates, and the hint when there is none.
struct DeferredSuggestion: Sendable, Hashable {
    var word: String
    var candidates: [String]
    var hintWithout: String?
}

/// Checks an expression against its template before any run: that every operand exists and can
/// have a value when the step runs, and that operators get operands they can work with.
struct ExpressionTypeChecker {
    /// What is known of a value before the run.
    enum StaticType: Equatable {
        /// A string; `values` is its complete set of possible values when known (enum, outcome).
        case string(values: [String]?)
        case int, bool, list
        /// Not known (for example a parameter that does not exist, already reported).
        case unknown

        var name: String {
            switch self {
            case .string: return "string"
            case .int: return "integer"
            case .bool: return "boolean"
            case .list: return "list"
            case .unknown: return "value"
            }
        }

        var isString: Bool { if case .string = self { true } else { false } }
    }

    let template: Template
    /// The template's step graph: which steps are upstream of which.
    let graph: TemplateGraph
    /// The step whose field is checked.
    let step: String
    var issues: [ExpressionIssue] = []

    init(template: Template, graph: TemplateGraph, step: String) {
        self.template = template
        self.graph = graph
        self.step = step
    }

    private mutating func issue(
        _ code: String, _ message: String, at offset: Int, hint: String? = nil, suggest: DeferredSuggestion? = nil
    ) {
        issues.append(
            ExpressionIssue(
                code: code, error: TemplateExpressionError(message, at: offset, hint: hint), suggestion: suggest))
    }

    @discardableResult
    mutating func check(_ e: TemplateExpression) -> StaticType {
        switch e.node {
        case .literal(let v):
            switch v {
            case .string(let s): return .string(values: [s])
            case .int: return .int
            case .bool: return .bool
            default: return .unknown
            }
        case .operand(let o): return operand(o, at: e.offset)
        case .not(let inner):
            check(inner)
            return .bool
        case .binary(.and, let a, let b), .binary(.or, let a, let b):
            check(a)
            check(b)
            return .bool
        case .binary(let op, let a, let b):
            let (l, r) = (check(a), check(b))
            if op.isOrdering {
                for (side, type) in [(a, l), (b, r)] where type != .int && type != .unknown {
                    issue(
                        "template.type", "`\(op.rawValue)` compares integers, but this is \(withArticle(type.name))",
                        at: side.offset, hint: "compare an `int` parameter or an integer literal")
                }
            } else {
                equality(op, a, l, b, r, at: e.offset)
            }
            return .bool
        case .contains(let h, let n):
            let haystack = check(h)
            check(n)
            if haystack == .int || haystack == .bool {
                issue(
                    "template.type", "`contains` looks in a list or a string, not in \(withArticle(haystack.name))",
                    at: h.offset, hint: "pass a list parameter, a string or a step's output first")
            }
            return .bool
        }
    }

    /// Flags comparisons that can never be true: different types, or a literal outside an enum's
    /// values or a step's outcomes.
    private mutating func equality(
        _ op: TemplateBinaryOperator, _ a: TemplateExpression, _ l: StaticType, _ b: TemplateExpression,
        _ r: StaticType, at offset: Int
    ) {
        if l == .unknown || r == .unknown { return }
        if l == .list || r == .list {
            issue(
                "template.type", "`\(op.rawValue)` does not compare lists", at: offset,
                hint: "test membership with `contains(LIST, VALUE)`")
            return
        }
        let sameKind = (l.isString && r.isString) || l == r
        guard sameKind else {
            issue(
                "template.type",
                "`\(op.rawValue)` compares \(withArticle(l.name)) with \(withArticle(r.name)); values of different types are never equal",
                at: offset, hint: "compare like with like, for example `params.count == 3` rather than `== '3'`")
            return
        }
        for (known, other) in [(l, b), (r, a)] {
            guard case .string(let values?) = known, values.count > 1,
                case .literal(.string(let s)) = other.node, !values.contains(s)
            else { continue }
            issue(
                "template.type",
                "`\(Excerpt.cut(s))` is never a value here; the possible values are \(Excerpt.list(values))",
                at: other.offset, suggest: DeferredSuggestion(word: s, candidates: values))
        }
    }

    private mutating func operand(_ o: TemplateOperand, at offset: Int) -> StaticType {
        switch o {
        case .parameter(let name):
            guard let p = graph.parameters[name] else {
                issue(
                    "reference.missing", "template `\(template.name)` has no parameter `\(name)`", at: offset,
                    suggest: DeferredSuggestion(
                        word: name, candidates: template.parameters.map(\.name),
                        hintWithout: "declare it under `parameters`"))
                return .unknown
            }
            switch p.type {
            case .string: return .string(values: nil)
            case .enum: return .string(values: p.values)
            case .int: return .int
            case .bool: return .bool
            case .list: return .list
            }
        case .stepOutput(let name), .stepOutcome(let name):
            let type: StaticType =
                if case .stepOutput = o { .string(values: nil) } else {
                    .string(values: TemplateStepResult.Outcome.allCases.map(\.rawValue))
                }
            if name == step {
                issue(
                    "template.order", "step `\(step)` reads `\(o)`, its own result, which does not exist while it runs",
                    at: offset)
            } else if !graph.contains(name) {
                issue(
                    "reference.missing", "`\(o)`: `\(name)` is not a step of this template", at: offset,
                    suggest: DeferredSuggestion(word: name, candidates: graph.stepNames))
            } else if !graph.isUpstream(name, of: step) {
                issue(
                    "template.order",
                    "step `\(step)` reads `\(o)`, but `\(name)` is not upstream of it, so it may not have finished",
                    at: offset, hint: "add `\(name)` to the `needs` of `\(step)`")
            }
            return type
        case .runID, .runTemplate, .runRoutine:
            return .string(values: nil)
        }
    }
}

/// `a string`, `an integer`: type names in messages.
func withArticle(_ noun: String) -> String {
    (noun.first.map { "aeiou".contains($0) } == true ? "an " : "a ") + noun
}
