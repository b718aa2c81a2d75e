extension TemplateExpression {
    /// Parses a bare expression such as `params.count > 3 && !params.dryRun`.
    public static func parse(_ text: String) throws(TemplateExpressionError) -> TemplateExpression {
        let scalars = Array(text.unicodeScalars)
        return try parse(scalars, from: 0, to: scalars.count)
    }

    /// Parses a `when` condition: either one whole `${{ EXPR }}` or a bare expression.
    public static func parseCondition(_ text: String) throws(TemplateExpressionError) -> TemplateExpression {
        let scalars = Array(text.unicodeScalars)
        var start = 0
        var end = scalars.count
        while start < end, ExpressionLexer.isSpace(scalars[start]) { start += 1 }
        while end > start, ExpressionLexer.isSpace(scalars[end - 1]) { end -= 1 }
        guard TemplateText.opens(scalars, at: start, end: end) else {
            return try parse(scalars, from: start, to: end)
        }
        let close = try TemplateText.closing(scalars, from: start + 3, end: end)
        guard close + 2 == end else {
            throw TemplateExpressionError(
                "a condition is one expression, but text follows its `}}`", at: close + 2,
                hint: "write `${{ a && b }}` rather than `${{ a }} && ${{ b }}`")
        }
        return try parse(scalars, from: start + 3, to: close)
    }

    /// Parses the expression in `scalars[start..<end]`; offsets count from the start of `scalars`.
    static func parse(
        _ scalars: [Unicode.Scalar], from start: Int, to end: Int
    ) throws(TemplateExpressionError) -> TemplateExpression {
        guard end - start <= TemplateLimits.maxExpressionLength else {
            throw TemplateExpressionError(
                "the expression is \(end - start) characters long; the limit is \(TemplateLimits.maxExpressionLength)",
                at: start, hint: "split the logic, or move long text into a parameter")
        }
        var lexer = ExpressionLexer(scalars, from: start, to: end)
        var parser = ExpressionParser(tokens: try lexer.tokenize())
        return try parser.parseWhole()
    }
}

/// A recursive-descent parser. Precedence, loosest first: `||`, `&&`, comparisons, `!`.
/// Binary operators loop instead of recursing, so only parentheses, `!` and calls nest, and
/// `depth` bounds them.
struct ExpressionParser {
    let tokens: [ExpressionToken]
    var position = 0
    var depth = 0

    init(tokens: [ExpressionToken]) { self.tokens = tokens }

    var current: ExpressionToken { tokens[position] }

    mutating func parseWhole() throws(TemplateExpressionError) -> TemplateExpression {
        if current.kind == .end {
            throw TemplateExpressionError("the expression is empty", at: current.offset, hint: "write `params.NAME`")
        }
        let e = try or()
        switch current.kind {
        case .end: return e
        case .symbol(")"):
            throw TemplateExpressionError("unbalanced `)`", at: current.offset, hint: "remove it or add a `(` before")
        default:
            throw TemplateExpressionError(
                "expected an operator or the end of the expression, found \(describe(current))", at: current.offset,
                hint: "join conditions with `&&` or `||`")
        }
    }

    private mutating func symbol(_ s: String) -> Bool {
        if current.kind == .symbol(s) {
            position += 1
            return true
        }
        return false
    }

    private mutating func or() throws(TemplateExpressionError) -> TemplateExpression {
        var left = try and()
        while case .symbol("||") = current.kind {
            let offset = current.offset
            position += 1
            left = TemplateExpression(.binary(.or, left, try and()), at: offset)
        }
        return left
    }

    private mutating func and() throws(TemplateExpressionError) -> TemplateExpression {
        var left = try comparison()
        while case .symbol("&&") = current.kind {
            let offset = current.offset
            position += 1
            left = TemplateExpression(.binary(.and, left, try comparison()), at: offset)
        }
        return left
    }

    private mutating func comparisonOperator() -> TemplateBinaryOperator? {
        guard case .symbol(let s) = current.kind, let op = TemplateBinaryOperator(rawValue: s),
            op != .and && op != .or
        else { return nil }
        return op
    }

    private mutating func comparison() throws(TemplateExpressionError) -> TemplateExpression {
        let left = try unary()
        guard let op = comparisonOperator() else { return left }
        let offset = current.offset
        position += 1
        let right = try unary()
        if let again = comparisonOperator() {
            throw TemplateExpressionError(
                "comparisons do not chain: `\(again.rawValue)` follows `\(op.rawValue)`", at: current.offset,
                hint: "join two comparisons with `&&`, or add parentheses")
        }
        return TemplateExpression(.binary(op, left, right), at: offset)
    }

    private mutating func enter(at offset: Int) throws(TemplateExpressionError) {
        depth += 1
        if depth > TemplateLimits.maxDepth {
            throw TemplateExpressionError(
                "the expression nests deeper than \(TemplateLimits.maxDepth) levels", at: offset,
                hint: "simplify it")
        }
    }

    private mutating func unary() throws(TemplateExpressionError) -> TemplateExpression {
        let offset = current.offset
        guard symbol("!") else { return try primary() }
        try enter(at: offset)
        defer { depth -= 1 }
        return TemplateExpression(.not(try unary()), at: offset)
    }

    private mutating func primary() throws(TemplateExpressionError) -> TemplateExpression {
        let token = current
        switch token.kind {
        case .string(let s):
            position += 1
            return TemplateExpression(.literal(.string(s)), at: token.offset)
        case .integer(let i):
            position += 1
            return TemplateExpression(.literal(.int(i)), at: token.offset)
        case .symbol("("):
            try enter(at: token.offset)
            defer { depth -= 1 }
            position += 1
            let inner = try or()
            guard symbol(")") else {
                throw TemplateExpressionError(
                    "expected `)` to close the `(` at character \(token.offset + 1), found \(describe(current))",
                    at: current.offset)
            }
            return inner
        case .name(let name):
            position += 1
            if current.kind == .symbol("(") { return try call(name, at: token.offset) }
            return try TemplateExpression(.operandOrLiteral(name, at: token.offset), at: token.offset)
        default:
            throw TemplateExpressionError(
                "expected a value, found \(describe(token))", at: token.offset,
                hint: "a value is an operand such as `params.NAME`, a quoted string, an integer, `true` or `false`")
        }
    }

    private mutating func call(_ name: String, at offset: Int) throws(TemplateExpressionError) -> TemplateExpression {
        guard name == "contains" else {
            let suggestion = Suggestion.closest(to: name, in: ["contains"])
            throw TemplateExpressionError(
                "unknown function `\(name)`" + (suggestion.map { "; did you mean `\($0)`?" } ?? ""), at: offset,
                hint: "the only function is `contains(haystack, needle)`")
        }
        try enter(at: offset)
        defer { depth -= 1 }
        position += 1
        let haystack = try or()
        guard symbol(",") else {
            throw TemplateExpressionError(
                "expected `,` between the two arguments of `contains`, found \(describe(current))", at: current.offset,
                hint: "write `contains(haystack, needle)`")
        }
        let needle = try or()
        guard symbol(")") else {
            throw TemplateExpressionError(
                "expected `)` after the second argument of `contains`, found \(describe(current))",
                at: current.offset, hint: "`contains` takes exactly two arguments")
        }
        return TemplateExpression(.contains(haystack, needle), at: offset)
    }

    private func describe(_ token: ExpressionToken) -> String {
        switch token.kind {
        case .end: return "the end of the expression"
        case .name(let n): return "`\(n)`"
        case .string: return "a string"
        case .integer(let i): return "`\(i)`"
        case .symbol(let s): return "`\(s)`"
        }
    }
}

extension TemplateExpression.Node {
    static let operandShapes =
        "`params.NAME`, `steps.NAME.output`, `steps.NAME.outcome`, `run.id`, `run.template` or `run.routine`"

    /// The node a dotted name stands for: `true`, `false`, or an operand.
    static func operandOrLiteral(_ name: String, at offset: Int) throws(TemplateExpressionError) -> Self {
        if name == "true" { return .literal(.bool(true)) }
        if name == "false" { return .literal(.bool(false)) }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.contains(where: \.isEmpty) {
            throw TemplateExpressionError("`\(name)` has an empty part between dots", at: offset)
        }
        func wrong(_ message: String, _ candidates: [String] = [], _ word: String = "") -> TemplateExpressionError {
            let suggestion = Suggestion.closest(to: word, in: candidates)
            return TemplateExpressionError(
                message + (suggestion.map { "; did you mean `\($0)`?" } ?? ""), at: offset,
                hint: "operands are \(operandShapes)")
        }
        switch parts[0] {
        case "params":
            guard parts.count == 2 else { throw wrong("`\(name)`: a parameter is written `params.NAME`") }
            return .operand(.parameter(parts[1]))
        case "steps":
            guard parts.count == 3 else {
                throw wrong("`\(name)`: a step is read as `steps.NAME.output` or `steps.NAME.outcome`")
            }
            switch parts[2] {
            case "output": return .operand(.stepOutput(parts[1]))
            case "outcome": return .operand(.stepOutcome(parts[1]))
            default:
                throw wrong("`\(name)`: a step has no `\(parts[2])`", ["output", "outcome"], parts[2])
            }
        case "run":
            let fields = ["id", "template", "routine"]
            guard parts.count == 2, fields.contains(parts[1]) else {
                throw wrong(
                    "`\(name)`: the run has \(fields.map { "`run.\($0)`" }.joined(separator: ", "))",
                    fields, parts.count == 2 ? parts[1] : "")
            }
            return .operand(parts[1] == "id" ? .runID : parts[1] == "template" ? .runTemplate : .runRoutine)
        default:
            throw wrong("unknown name `\(name)`", ["params", "steps", "run", "true", "false"], parts[0])
        }
    }
}
