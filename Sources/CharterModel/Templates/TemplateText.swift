/// A text with `${{ EXPR }}` substitutions: a prompt, a command, an environment value, a message.
///
/// There is no escape for a literal `${{`; write `${{ '${{' }}` when one is needed.
public struct TemplateText: Sendable, Hashable {
    /// A run of plain text or one substitution.
    public enum Segment: Sendable, Hashable {
        /// Text copied as it is.
        case text(String)
        /// `${{ EXPR }}`; `offset` is where its `${{` starts, in Unicode scalars.
        case substitution(TemplateExpression, offset: Int)
    }

    /// The segments in order.
    public var segments: [Segment]

    /// Whether the text holds at least one substitution.
    public var hasSubstitutions: Bool {
        segments.contains { if case .substitution = $0 { true } else { false } }
    }

    /// Parses `text`, failing on the first malformed substitution.
    public init(parsing text: String) throws(TemplateExpressionError) {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count <= TemplateLimits.maxTextLength else {
            throw TemplateExpressionError(
                "the text is \(scalars.count) characters long; the limit is \(TemplateLimits.maxTextLength)", at: 0)
        }
        var segments: [Segment] = []
        var literalStart = 0
        var count = 0
        var i = 0
        while i < scalars.count {
            guard Self.opens(scalars, at: i, end: scalars.count) else {
                i += 1
                continue
            }
            count += 1
            if count > TemplateLimits.maxSubstitutions {
                throw TemplateExpressionError(
                    "the text holds more than \(TemplateLimits.maxSubstitutions) substitutions", at: i)
            }
            if literalStart < i { segments.append(.text(Self.string(scalars[literalStart..<i]))) }
            let close = try Self.closing(scalars, from: i + 3, end: scalars.count)
            segments.append(.substitution(try TemplateExpression.parse(scalars, from: i + 3, to: close), offset: i))
            i = close + 2
            literalStart = i
        }
        if literalStart < scalars.count { segments.append(.text(Self.string(scalars[literalStart...]))) }
        self.segments = segments
    }

    static func string(_ s: ArraySlice<Unicode.Scalar>) -> String { String(String.UnicodeScalarView(s)) }

    /// Whether `${{` starts at `i`.
    static func opens(_ s: [Unicode.Scalar], at i: Int, end: Int) -> Bool {
        i + 2 < end && s[i] == "$" && s[i + 1] == "{" && s[i + 2] == "{"
    }

    /// The index of the `}}` that closes a substitution whose expression starts at `start`.
    /// Quoted strings are skipped, so `'}}'` inside the expression does not close it.
    static func closing(_ s: [Unicode.Scalar], from start: Int, end: Int) throws(TemplateExpressionError) -> Int {
        var i = start
        var quote: Unicode.Scalar?
        while i < end {
            let c = s[i]
            if let q = quote {
                if q == "\"" && c == "\\" {
                    i += 2
                    continue
                }
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "}" && i + 1 < end && s[i + 1] == "}" {
                return i
            } else if opens(s, at: i, end: end) {
                throw TemplateExpressionError(
                    "`${{` opened at character \(start - 2) is not closed before the next `${{`", at: start - 3,
                    hint: "close it with `}}`")
            }
            i += 1
        }
        throw TemplateExpressionError(
            quote == nil ? "`${{` is not closed" : "`${{` is not closed: a string in it is not terminated",
            at: start - 3, hint: "close it with `}}`")
    }
}
