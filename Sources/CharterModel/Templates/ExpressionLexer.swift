/// One token of an expression.
struct ExpressionToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A dotted name such as `params.topic` or `contains`; `true` and `false` too.
        case name(String)
        case string(String)
        case integer(Int)
        case symbol(String)
        case end
    }
    var kind: Kind
    var offset: Int
}

/// Splits an expression into tokens. Works on Unicode scalars so offsets match YAML columns.
struct ExpressionLexer {
    let scalars: [Unicode.Scalar]
    var index: Int
    let end: Int

    init(_ scalars: [Unicode.Scalar], from start: Int, to end: Int) {
        self.scalars = scalars
        self.index = start
        self.end = end
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    static func isNameContinuation(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || (c >= "0" && c <= "9") || c == "-" || c == "."
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }

    mutating func tokenize() throws(TemplateExpressionError) -> [ExpressionToken] {
        var tokens: [ExpressionToken] = []
        while true {
            let t = try next()
            tokens.append(t)
            if t.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        index + ahead < end ? scalars[index + ahead] : nil
    }

    private mutating func next() throws(TemplateExpressionError) -> ExpressionToken {
        while let c = peek(), Self.isSpace(c) { index += 1 }
        let start = index
        guard let c = peek() else { return ExpressionToken(kind: .end, offset: start) }
        if Self.isNameStart(c) {
            while let d = peek(), Self.isNameContinuation(d) { index += 1 }
            return ExpressionToken(kind: .name(String(String.UnicodeScalarView(scalars[start..<index]))), offset: start)
        }
        if Self.isDigit(c) || (c == "-" && peek(1).map(Self.isDigit) == true) {
            index += 1
            while let d = peek(), Self.isDigit(d) { index += 1 }
            if let d = peek(), Self.isNameStart(d) || d == "." {
                throw TemplateExpressionError(
                    "`\(String(String.UnicodeScalarView(scalars[start...index])))` is not a number or a name",
                    at: start, hint: "numbers are whole integers; names start with a letter")
            }
            let text = String(String.UnicodeScalarView(scalars[start..<index]))
            guard let value = Int(text) else {
                throw TemplateExpressionError("the integer `\(text)` is too large", at: start)
            }
            return ExpressionToken(kind: .integer(value), offset: start)
        }
        if c == "'" || c == "\"" { return try string(quote: c) }
        let two = peek(1).map { String(c) + String($0) }
        if let two, ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
            index += 2
            return ExpressionToken(kind: .symbol(two), offset: start)
        }
        switch c {
        case "<", ">", "!", "(", ")", ",":
            index += 1
            return ExpressionToken(kind: .symbol(String(c)), offset: start)
        case "=":
            throw TemplateExpressionError("`=` is not an operator", at: start, hint: "compare with `==`")
        case "&":
            throw TemplateExpressionError("`&` is not an operator", at: start, hint: "use `&&` for 'and'")
        case "|":
            throw TemplateExpressionError("`|` is not an operator", at: start, hint: "use `||` for 'or'")
        default:
            throw TemplateExpressionError(
                "unexpected character `\(c.escaped(asASCII: false))`", at: start,
                hint: "expressions hold operands such as `params.NAME`, quoted strings, integers, "
                    + "`true`, `false`, comparisons, `&&`, `||`, `!`, parentheses and `contains(a, b)`")
        }
    }

    /// A quoted string. Single quotes double themselves (`'it''s'`); double-quoted strings take
    /// `\"`, `\\`, `\n` and `\t`.
    private mutating func string(quote: Unicode.Scalar) throws(TemplateExpressionError) -> ExpressionToken {
        let start = index
        index += 1
        var text = String.UnicodeScalarView()
        while let c = peek() {
            if c == quote {
                if quote == "'" && peek(1) == "'" {
                    text.append("'")
                    index += 2
                    continue
                }
                index += 1
                return ExpressionToken(kind: .string(String(text)), offset: start)
            }
            if quote == "\"" && c == "\\" {
                switch peek(1) {
                case "\"": text.append("\"")
                case "\\": text.append("\\")
                case "n": text.append("\n")
                case "t": text.append("\t")
                default:
                    throw TemplateExpressionError(
                        "unknown escape `\\\(peek(1).map { String($0) } ?? "")`", at: index,
                        hint: "double-quoted strings know `\\\"`, `\\\\`, `\\n` and `\\t`")
                }
                index += 2
                continue
            }
            text.append(c)
            index += 1
        }
        throw TemplateExpressionError(
            "unterminated string", at: start, hint: "close it with \(quote == "'" ? "`'`" : "`\"`")")
    }
}
