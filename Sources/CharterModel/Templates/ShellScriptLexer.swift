/// Splits a POSIX shell script (plus common bash syntax) into tokens. Recursion follows the
/// script's nesting of `$( … )`, backticks, quotes and `${ … }`, and stops at `maxDepth` levels.
struct ShellScriptLexer {
    /// Nesting deeper than this is refused, which bounds recursion here and in the analyzer.
    static let maxDepth = 64

    let source: [Unicode.Scalar]
    /// Script offsets of `source`, when it is not the script itself (backtick bodies, literals).
    let origins: [Int]?
    let endOrigin: Int
    var i = 0
    var end: Int
    var depth: Int
    var heredocs: [ShellScriptHeredoc] = []
    private var pending: [PendingHeredoc] = []
    /// The descriptor word just read before a redirection operator (`3` of `3<<EOF`).
    private var descriptor: Int?

    private struct PendingHeredoc {
        var index: Int
        var delimiter: [Unicode.Scalar]
        var stripTabs: Bool
        var quoted: Bool
        var offset: Int
    }

    private enum CaseState { case subject, expectIn, pattern, body }

    init(_ source: [Unicode.Scalar], origins: [Int]? = nil, endOrigin: Int? = nil, depth: Int = 0) {
        self.source = source
        self.origins = origins
        self.endOrigin = endOrigin ?? origins?.last.map { $0 + 1 } ?? source.count
        self.end = source.count
        self.depth = depth
    }

    /// The whole source as one script; heredoc bodies end up in `heredocs`.
    mutating func parse() throws(ShellScriptSyntaxError) -> ShellScriptSyntax {
        let script = try script(closing: nil)
        if let p = pending.first { throw error(at: p.offset, "a here-document has no terminator line") }
        return script
    }

    // MARK: Characters

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }
    static func isNameChar(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || isDigit(c) }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    static func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" }
    static func isOperator(_ c: Unicode.Scalar) -> Bool {
        c == ";" || c == "&" || c == "|" || c == "(" || c == ")" || c == "<" || c == ">"
    }
    static func isSpecialParameter(_ c: Unicode.Scalar) -> Bool {
        c == "@" || c == "*" || c == "#" || c == "?" || c == "$" || c == "!" || c == "-" || isDigit(c)
    }

    func at(_ k: Int) -> Unicode.Scalar? { k < end ? source[k] : nil }

    func origin(_ k: Int) -> Int {
        guard let origins else { return k }
        return k < origins.count ? origins[k] : endOrigin
    }

    func error(at offset: Int, _ message: String) -> ShellScriptSyntaxError {
        ShellScriptSyntaxError(offset: offset, message: message)
    }

    /// One level deeper, refused past `maxDepth`. Callers undo it with `depth -= 1`.
    mutating func enter(_ k: Int) throws(ShellScriptSyntaxError) {
        depth += 1
        if depth > Self.maxDepth {
            throw error(at: origin(k), "nesting is deeper than \(Self.maxDepth) levels")
        }
    }

    mutating func skipBlanks() {
        while let c = at(i) {
            if Self.isBlank(c) {
                i += 1
            } else if c == "\\", at(i + 1) == "\n" {
                i += 2
            } else {
                return
            }
        }
    }

    // MARK: Scripts

    /// Tokens up to the end of input, or with `closing` (the offset of `$(`) up to its `)`.
    mutating func script(closing: Int?) throws(ShellScriptSyntaxError) -> ShellScriptSyntax {
        var tokens: [ShellScriptSyntax.Token] = []
        var commandStart = true
        var parens = 0
        var cases: [CaseState] = []
        while true {
            skipBlanks()
            guard let c = at(i) else {
                if let closing { throw error(at: origin(closing), "`$(` is not closed") }
                return ShellScriptSyntax(tokens: tokens)
            }
            let start = i
            if c == "#" {
                while let d = at(i), d != "\n" { i += 1 }
                continue
            }
            if c == "\n" {
                i += 1
                tokens.append(.op(.separator, offset: origin(start)))
                try readHeredocBodies()
                commandStart = true
                continue
            }
            if Self.isOperator(c), !((c == "<" || c == ">") && at(i + 1) == "(") {
                let op = readOperator()
                switch op {
                case "(":
                    if cases.last == .pattern { continue }
                    if commandStart, at(i) == "(", looksArithmetic(from: i + 1) {
                        i += 1
                        try enter(start)
                        let a = try arithmetic(open: start, kind: .command)
                        depth -= 1
                        tokens.append(.arithmetic(a))
                        commandStart = false
                        continue
                    }
                    parens += 1
                    if parens > Self.maxDepth {
                        throw error(at: origin(start), "nesting is deeper than \(Self.maxDepth) levels")
                    }
                    tokens.append(.op(.open, offset: origin(start)))
                    commandStart = true
                case ")":
                    if cases.last == .pattern {
                        cases[cases.count - 1] = .body
                        tokens.append(.op(.caseBreak, offset: origin(start)))
                        commandStart = true
                    } else if parens > 0 {
                        parens -= 1
                        // After `name()` the function body follows, in command position.
                        if case .op(.open, _)? = tokens.last { commandStart = true } else { commandStart = false }
                        tokens.append(.op(.close, offset: origin(start)))
                    } else if closing != nil {
                        return ShellScriptSyntax(tokens: tokens)
                    } else {
                        throw error(at: origin(start), "`)` has no matching `(`")
                    }
                case ";;", ";&", ";;&":
                    if cases.last == .body { cases[cases.count - 1] = .pattern }
                    tokens.append(.op(.caseBreak, offset: origin(start)))
                    commandStart = true
                case "|", "|&":
                    if cases.last == .pattern { continue }
                    tokens.append(.op(.pipe, offset: origin(start)))
                    commandStart = true
                case ";", "&", "&&", "||":
                    tokens.append(.op(.separator, offset: origin(start)))
                    commandStart = true
                default:
                    tokens.append(.redirect(try redirect(op, start: start)))
                }
                continue
            }
            let word = try self.word()
            if let d = at(i), d == "<" || d == ">", at(i + 1) != "(", let fd = descriptor(word) {
                descriptor = fd
                continue
            }
            let literal = word.keyword
            switch cases.last {
            case .subject?:
                cases[cases.count - 1] = .expectIn
                tokens.append(.data(word))
                continue
            case .expectIn?:
                cases[cases.count - 1] = .pattern
                tokens.append(.data(word))
                continue
            case .pattern?:
                if literal == "esac" {
                    cases.removeLast()
                    tokens.append(.keyword(word))
                    commandStart = false
                } else {
                    tokens.append(.data(word))
                }
                continue
            case .body?, nil:
                break
            }
            if case .keyword(let previous)? = tokens.last, previous.keyword == "function" {
                // `function NAME {`: the body's `{` is in command position.
                tokens.append(.word(word))
                commandStart = true
                continue
            }
            guard commandStart, let literal else {
                tokens.append(.word(word))
                commandStart = false
                continue
            }
            switch literal {
            case "case":
                cases.append(.subject)
                commandStart = false
            case "esac" where cases.last == .body:
                cases.removeLast()
                commandStart = false
            case "fi", "done", "}", "function":
                commandStart = false
            case "[[":
                tokens.append(.test(try testWords(open: start), offset: word.offset))
                commandStart = false
                continue
            case "if", "then", "else", "elif", "do", "while", "until", "!", "{", "for", "select":
                commandStart = true
            case "time", "coproc":
                // A wrapper for the analyzer, but what follows is in command position.
                tokens.append(.word(word))
                continue
            default:
                tokens.append(.word(word))
                commandStart = false
                continue
            }
            tokens.append(.keyword(word))
        }
    }

    /// `2` in `2>err` or `{fd}` in `{fd}>file`: a descriptor, not an argument. Its number, or
    /// ``ShellScriptSyntax/Redirect/namedDescriptor`` for `{fd}`.
    func descriptor(_ word: ShellScriptWord) -> Int? {
        guard let literal = word.literal, !literal.isEmpty, word.runs.count == 1 else { return nil }
        if literal.unicodeScalars.allSatisfy(Self.isDigit) {
            // A number too large for a descriptor still names one that no redirection here feeds.
            return literal.count > 9 ? Int.max : Int(literal)
        }
        let s = Array(literal.unicodeScalars)
        guard s.count > 2, s.first == "{", s.last == "}", s.dropFirst().dropLast().allSatisfy(Self.isNameChar)
        else { return nil }
        return ShellScriptSyntax.Redirect.namedDescriptor
    }

    /// The longest operator at `i`, consumed.
    mutating func readOperator() -> String {
        let c = source[i]
        let n = at(i + 1)
        let op: String
        switch c {
        case ";": op = n == ";" ? (at(i + 2) == "&" ? ";;&" : ";;") : n == "&" ? ";&" : ";"
        case "&": op = n == "&" ? "&&" : n == ">" ? (at(i + 2) == ">" ? "&>>" : "&>") : "&"
        case "|": op = n == "|" ? "||" : n == "&" ? "|&" : "|"
        case "<":
            switch n {
            case "<": op = at(i + 2) == "-" ? "<<-" : at(i + 2) == "<" ? "<<<" : "<<"
            case ">": op = "<>"
            case "&": op = "<&"
            default: op = "<"
            }
        case ">":
            switch n {
            case ">": op = ">>"
            case "|": op = ">|"
            case "&": op = ">&"
            default: op = ">"
            }
        case "(": op = "("
        default: op = ")"
        }
        i += op.utf8.count
        return op
    }

    mutating func redirect(
        _ op: String, start: Int
    ) throws(ShellScriptSyntaxError)
        -> ShellScriptSyntax.Redirect
    {
        skipBlanks()
        let fd = descriptor
        descriptor = nil
        if op == "<<" || op == "<<-" {
            let (delimiter, quoted) = try heredocDelimiter(start: start)
            heredocs.append(ShellScriptHeredoc(offset: origin(start), quoted: quoted))
            pending.append(
                PendingHeredoc(
                    index: heredocs.count - 1, delimiter: delimiter, stripTabs: op == "<<-", quoted: quoted,
                    offset: origin(start)))
            return .init(kind: .heredoc, offset: origin(start), heredoc: heredocs.count - 1, descriptor: fd)
        }
        guard let c = at(i), c != "\n", !Self.isOperator(c) || ((c == "<" || c == ">") && at(i + 1) == "(") else {
            throw error(at: origin(start), "`\(op)` has no target")
        }
        let target = try word()
        let kind: ShellScriptSyntax.Redirect.Kind
        switch op {
        case "<<<": kind = .hereString
        case "<", "<>": kind = .input
        case "<&": kind = .duplicate
        case ">&" where fd != nil:
            // `3>&0` copies a descriptor that may be read from; `>&2` only redirects output.
            kind = .duplicate
        default: kind = .file
        }
        return .init(kind: kind, offset: origin(start), target: target, descriptor: fd)
    }

    /// The delimiter after `<<`: quote removal only, and whether any part was quoted.
    mutating func heredocDelimiter(start: Int) throws(ShellScriptSyntaxError) -> ([Unicode.Scalar], Bool) {
        var delimiter: [Unicode.Scalar] = []
        var quoted = false
        while let c = at(i), !Self.isBlank(c), c != "\n", !Self.isOperator(c) {
            switch c {
            case "'", "\"":
                quoted = true
                let open = i
                i += 1
                while true {
                    guard let d = at(i) else { throw error(at: origin(open), "a quote is not closed") }
                    i += 1
                    if d == c { break }
                    if c == "\"", d == "\\", let e = at(i), e == "\"" || e == "\\" || e == "$" || e == "`" {
                        delimiter.append(e)
                        i += 1
                    } else {
                        delimiter.append(d)
                    }
                }
            case "\\":
                quoted = true
                if let d = at(i + 1) { delimiter.append(d) }
                i += 2
            default:
                delimiter.append(c)
                i += 1
            }
        }
        if delimiter.isEmpty && !quoted { throw error(at: origin(start), "a here-document has no delimiter") }
        return (delimiter, quoted)
    }

    /// Reads the bodies of the heredocs started on the line that just ended, in order.
    mutating func readHeredocBodies() throws(ShellScriptSyntaxError) {
        guard !pending.isEmpty else { return }
        let list = pending
        pending = []
        for p in list {
            let bodyStart = i
            var bodyEnd = i
            while true {
                let lineStart = i
                var lineEnd = i
                while lineEnd < end, source[lineEnd] != "\n" { lineEnd += 1 }
                var s = lineStart
                if p.stripTabs { while s < lineEnd, source[s] == "\t" { s += 1 } }
                var e = lineEnd
                if e > s, source[e - 1] == "\r" { e -= 1 }
                if source[s..<e].elementsEqual(p.delimiter) {
                    bodyEnd = lineStart
                    i = min(lineEnd + 1, end)
                    break
                }
                if lineEnd >= end { throw error(at: p.offset, "a here-document has no terminator line") }
                i = lineEnd + 1
            }
            let after = i
            var body = ShellScriptWord(offset: origin(bodyStart))
            if p.quoted {
                for k in bodyStart..<bodyEnd { body.append(source[k], origin: origin(k)) }
            } else {
                let savedEnd = end
                i = bodyStart
                end = bodyEnd
                try heredocBody(&body)
                end = savedEnd
            }
            i = after
            heredocs[p.index].body = body
        }
    }

    mutating func heredocBody(_ b: inout ShellScriptWord) throws(ShellScriptSyntaxError) {
        while let c = at(i) {
            switch c {
            case "\\":
                if let d = at(i + 1), d == "$" || d == "`" || d == "\\" || d == "\n" {
                    if d != "\n" { b.append(d, origin: origin(i + 1)) }
                    i += 2
                } else {
                    b.append(c, origin: origin(i))
                    i += 1
                }
            case "$": try dollar(&b, inDouble: true, discard: false)
            case "`": try backtick(&b, inDouble: false)
            default:
                b.append(c, origin: origin(i))
                i += 1
            }
        }
    }

    /// The words of `[[ … ]]`; its `&&`, `<`, `(` and friends are operators of the test, not the shell.
    mutating func testWords(open: Int) throws(ShellScriptSyntaxError) -> [ShellScriptWord] {
        var words: [ShellScriptWord] = []
        while true {
            skipBlanks()
            guard let c = at(i) else { throw error(at: origin(open), "`[[` is not closed") }
            if c == "\n" {
                i += 1
                continue
            }
            if Self.isOperator(c), !((c == "<" || c == ">") && at(i + 1) == "(") {
                _ = readOperator()
                continue
            }
            let w = try word()
            if w.keyword == "]]" { return words }
            words.append(w)
        }
    }
}
