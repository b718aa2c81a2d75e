/// What an earlier step left for the steps after it.
public struct TemplateStepResult: Sendable, Hashable {
    /// How a step finished.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        case succeeded, failed, skipped
    }

    /// How it finished.
    public var outcome: Outcome
    /// Its output text; empty for a skipped step.
    public var output: String

    /// A finished step's result. A skipped step's output is always empty.
    public init(_ outcome: Outcome, output: String = "") {
        self.outcome = outcome
        self.output = outcome == .skipped ? "" : output
    }
}

/// Everything an expression can read while a run is under way.
struct EvaluationScope: Sendable {
    var parameters: [String: Value]
    /// Finished steps only: a step missing here has not finished.
    var steps: [String: TemplateStepResult]
    var runID: String
    var template: String
    var routine: String?

    func read(_ operand: TemplateOperand, at offset: Int) throws(TemplateExpressionError) -> Value {
        switch operand {
        case .parameter(let name):
            // A declared optional parameter without a value reads as null: empty text, falsy.
            return parameters[name] ?? .null
        case .stepOutput(let name), .stepOutcome(let name):
            guard let result = steps[name] else {
                throw TemplateExpressionError(
                    "step `\(name)` has not finished, so `\(operand)` has no value yet", at: offset,
                    hint: "add `\(name)` to this step's `needs`")
            }
            if case .stepOutcome = operand { return .string(result.outcome.rawValue) }
            return .string(result.output)
        case .runID: return .string(runID)
        case .runTemplate: return .string(template)
        case .runRoutine: return .string(routine ?? "")
        }
    }

    /// The value of `e`. `&&` and `||` short-circuit, so `a && steps.x.output` never reads `x` when
    /// `a` is false.
    func evaluate(_ e: TemplateExpression) throws(TemplateExpressionError) -> Value {
        switch e.node {
        case .literal(let v): return v
        case .operand(let o): return try read(o, at: e.offset)
        case .not(let inner): return .bool(!(try evaluate(inner)).isTruthy)
        case .contains(let h, let n): return .bool(try Self.contains(try evaluate(h), try evaluate(n), at: e.offset))
        case .binary(.and, let a, let b):
            guard try evaluate(a).isTruthy else { return .bool(false) }
            return .bool(try evaluate(b).isTruthy)
        case .binary(.or, let a, let b):
            if try evaluate(a).isTruthy { return .bool(true) }
            return .bool(try evaluate(b).isTruthy)
        case .binary(.equal, let a, let b): return .bool(Self.equal(try evaluate(a), try evaluate(b)))
        case .binary(.notEqual, let a, let b): return .bool(!Self.equal(try evaluate(a), try evaluate(b)))
        case .binary(let op, let a, let b):
            let (l, r) = (try evaluate(a), try evaluate(b))
            guard let x = l.integerValue, let y = r.integerValue else {
                let wrong = l.integerValue == nil ? l : r
                throw TemplateExpressionError(
                    "`\(op.rawValue)` compares integers, but one side is \(withArticle(wrong.typeName))", at: e.offset,
                    hint: "compare integer parameters or literals, or use `==`")
            }
            switch op {
            case .less: return .bool(x < y)
            case .lessOrEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            default: return .bool(x >= y)
            }
        }
    }

    /// Strict equality: values of different types are never equal (`5 != '5'`), except that a
    /// missing optional parameter equals `''`.
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .string(let s)), (.string(let s), .null): return s.isEmpty
        default: return a == b
        }
    }

    static func contains(_ haystack: Value, _ needle: Value, at offset: Int) throws(TemplateExpressionError) -> Bool {
        switch haystack {
        case .array(let items): return items.contains { equal($0, needle) }
        case .string(let s): return s.contains(needle.text)
        case .null: return false
        default:
            throw TemplateExpressionError(
                "`contains` looks in a list or a string, not in \(withArticle(haystack.typeName))", at: offset,
                hint: "pass a list parameter, a string or a step's output as the first argument")
        }
    }
}

extension Value {
    /// Truthiness as in GitHub Actions: `false`, `0`, `''`, null and the empty list are false.
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// The integer of an integer value only; strings are not numbers in comparisons.
    var integerValue: Int? {
        switch self {
        case .int, .double: return int
        default: return nil
        }
    }

    /// The value as prompt text: a list joins its elements with `, `, null is empty.
    var text: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 9e15 ? String(Int(d)) : String(d)
        case .string(let s): return s
        case .array(let a): return a.map(\.text).joined(separator: ", ")
        case .object: return CanonicalJSON.string(self)
        }
    }
}
