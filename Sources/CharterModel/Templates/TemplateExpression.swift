/// A parsed expression of the template language: what goes between `${{` and `}}`, or a whole
/// `when` condition.
///
/// The language has operands (`params.NAME`, `steps.NAME.output`, `steps.NAME.outcome`,
/// `run.id`, `run.template`, `run.routine`), literals, comparisons, `&&`, `||`, `!`, parentheses
/// and one function, `contains`. It has no assignment, no calls out and no loops: evaluating an
/// expression can only read the values it is given.
public struct TemplateExpression: Sendable, Hashable {
    /// The shape of an expression node.
    public indirect enum Node: Sendable, Hashable {
        /// A string, integer or boolean written in the expression.
        case literal(Value)
        /// A value read from the run: a parameter, an earlier step, or the run itself.
        case operand(TemplateOperand)
        /// `!x`: true when `x` is falsy.
        case not(TemplateExpression)
        /// `a OP b`.
        case binary(TemplateBinaryOperator, TemplateExpression, TemplateExpression)
        /// `contains(haystack, needle)`: list membership or substring.
        case contains(TemplateExpression, TemplateExpression)
    }

    /// What this node is.
    public var node: Node
    /// Where the node starts, in Unicode scalars from the start of the text it was parsed from.
    public var offset: Int

    /// Creates a node at `offset`.
    public init(_ node: Node, at offset: Int) {
        self.node = node
        self.offset = offset
    }

    /// Every operand the expression reads, with its offset, in source order.
    public var operands: [(operand: TemplateOperand, offset: Int)] {
        switch node {
        case .literal: return []
        case .operand(let o): return [(o, offset)]
        case .not(let e): return e.operands
        case .binary(_, let a, let b), .contains(let a, let b): return a.operands + b.operands
        }
    }
}

/// A value an expression reads from the run.
public enum TemplateOperand: Sendable, Hashable, CustomStringConvertible {
    /// `params.NAME`.
    case parameter(String)
    /// `steps.NAME.output`: the text an earlier step produced.
    case stepOutput(String)
    /// `steps.NAME.outcome`: `succeeded`, `failed` or `skipped`.
    case stepOutcome(String)
    /// `run.id`.
    case runID
    /// `run.template`: the template's name.
    case runTemplate
    /// `run.routine`: the routine that started the run, or empty when started by hand.
    case runRoutine

    /// The step this operand reads, if any.
    public var step: String? {
        switch self {
        case .stepOutput(let s), .stepOutcome(let s): return s
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .parameter(let p): return "params.\(p)"
        case .stepOutput(let s): return "steps.\(s).output"
        case .stepOutcome(let s): return "steps.\(s).outcome"
        case .runID: return "run.id"
        case .runTemplate: return "run.template"
        case .runRoutine: return "run.routine"
        }
    }
}

/// The binary operators, from the loosest binding to the tightest: `||`, `&&`, then the
/// comparisons (which do not chain).
public enum TemplateBinaryOperator: String, Sendable, Hashable {
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    /// Whether this operator orders integers.
    public var isOrdering: Bool {
        switch self {
        case .less, .lessOrEqual, .greater, .greaterOrEqual: return true
        default: return false
        }
    }
}

/// A problem in an expression or a substitution: what is wrong, where, and what to do.
public struct TemplateExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Where, in Unicode scalars from the start of the text (a prompt, a command, a condition).
    public var offset: Int
    /// What to do about it.
    public var hint: String?

    /// Creates an error at `offset`.
    public init(_ message: String, at offset: Int, hint: String? = nil) {
        self.message = message
        self.offset = offset
        self.hint = hint
    }

    /// `at character 12: message — hint`.
    public var description: String {
        "at character \(offset + 1): \(message)" + (hint.map { " — \($0)" } ?? "")
    }
}

/// Bounds that keep hostile templates cheap to refuse.
public enum TemplateLimits {
    /// The longest expression inside one `${{ }}` or one `when`, in Unicode scalars.
    public static let maxExpressionLength = 1_000
    /// The deepest nesting of parentheses, `!` and `contains(...)`.
    public static let maxDepth = 32
    /// The most substitutions one text may hold.
    public static let maxSubstitutions = 200
    /// The longest text that substitutions are looked for in, in Unicode scalars.
    public static let maxTextLength = 100_000
}
