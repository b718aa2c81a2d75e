/// Splits a POSIX shell script (plus common bash syntax) into tokens. Recursion follows the
/// script's nesting of `$( … )`, backticks, quotes and `${ … }`, and stops at `maxDepth` levels.
struct ShellScriptLexer {
    /// Nesting deeper than this is refused, which bounds recursion here and in the analyzer.
    static let maxDepth = 64

    private let source: [Unicode.Scalar]
    /// Script offsets of `source`, when it is not the script itself (backtick bodies, literals).
    private let origins: [Int]?
    private let endOrigin: Int
    private var i = 0
    private var end: Int
    private var depth: Int
    private(set) var heredocs: [ShellScriptHeredoc] = []
    private var pending: [PendingHeredoc] = []

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
    private static func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" }
    private static func isOperator(_ c: Unicode.Scalar) -> Bool {
        c == ";" || c == "&" || c == "|" || c == "(" || c == ")" || c == "<" || c == ">"
    }
    private static func isSpecialParameter(_ c: Unicode.Scalar) -> Bool {
        c == "@" || c == "*" || c == "#" || c == "?" || c == "$" || c == "!" || c == "-" || isDigit(c)
    }

    private func at(_ k: Int) -> Unicode.Scalar? { k < end ? source[k] : nil }

    private func origin(_ k: Int) -> Int {
        guard let origins else { return k }
        return k < origins.count ? origins[k] : endOrigin
    }

    private func error(at offset: Int, _ message: String) -> ShellScriptSyntaxError {
        ShellScriptSyntaxError(offset: offset, message: message)
    }

    /// One level deeper, refused past `maxDepth`. Callers undo it with `depth -= 1`.
    private mutating func enter(_ k: Int) throws(ShellScriptSyntaxError) {
        depth += 1
        if depth > Self.maxDepth {
            throw error(at: origin(k), "nesting is deeper than \(Self.maxDepth) levels")
        }
    }

    private mutating func skipBlanks() {
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
    private mutating func script(closing: Int?) throws(ShellScriptSyntaxError) -> ShellScriptSyntax {
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
            if let d = at(i), d == "<" || d == ">", at(i + 1) != "(", isDescriptor(word) { continue }
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
            case "time":
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

    /// `2` in `2>err` or `{fd}` in `{fd}>file`: a descriptor, not an argument.
    private func isDescriptor(_ word: ShellScriptWord) -> Bool {
        guard let literal = word.literal, !literal.isEmpty, word.runs.count == 1 else { return false }
        if literal.unicodeScalars.allSatisfy(Self.isDigit) { return true }
        let s = Array(literal.unicodeScalars)
        return s.count > 2 && s.first == "{" && s.last == "}" && s.dropFirst().dropLast().allSatisfy(Self.isNameChar)
    }

    /// The longest operator at `i`, consumed.
    private mutating func readOperator() -> String {
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

    private mutating func redirect(
        _ op: String, start: Int
    ) throws(ShellScriptSyntaxError)
        -> ShellScriptSyntax.Redirect
    {
        skipBlanks()
        if op == "<<" || op == "<<-" {
            let (delimiter, quoted) = try heredocDelimiter(start: start)
            heredocs.append(ShellScriptHeredoc(offset: origin(start), quoted: quoted))
            pending.append(
                PendingHeredoc(
                    index: heredocs.count - 1, delimiter: delimiter, stripTabs: op == "<<-", quoted: quoted,
                    offset: origin(start)))
            return .init(kind: .heredoc, offset: origin(start), heredoc: heredocs.count - 1)
        }
        guard let c = at(i), c != "\n", !Self.isOperator(c) || ((c == "<" || c == ">") && at(i + 1) == "(") else {
            throw error(at: origin(start), "`\(op)` has no target")
        }
        let kind: ShellScriptSyntax.Redirect.Kind = op == "<<<" ? .hereString : op == "<" ? .input : .file
        return .init(kind: kind, offset: origin(start), target: try word())
    }

    /// The delimiter after `<<`: quote removal only, and whether any part was quoted.
    private mutating func heredocDelimiter(start: Int) throws(ShellScriptSyntaxError) -> ([Unicode.Scalar], Bool) {
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
    private mutating func readHeredocBodies() throws(ShellScriptSyntaxError) {
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

    private mutating func heredocBody(_ b: inout ShellScriptWord) throws(ShellScriptSyntaxError) {
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
    private mutating func testWords(open: Int) throws(ShellScriptSyntaxError) -> [ShellScriptWord] {
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

    // MARK: Words

    private mutating func word() throws(ShellScriptSyntaxError) -> ShellScriptWord {
        var b = ShellScriptWord(offset: origin(i))
        var quotedAt: Int?
        loop: while let c = at(i) {
            switch c {
            case "(" where quotedAt == nil && b.references.isEmpty && b.text.last == "=":
                try arrayElements(into: &b)
            case " ", "\t", "\r", "\n", ";", "&", "|", "(", ")":
                break loop
            case "<", ">":
                guard b.text.isEmpty, b.references.isEmpty, at(i + 1) == "(" else { break loop }
                let open = i
                i += 2
                try enter(open)
                let nested = try script(closing: open)
                depth -= 1
                b.references.append(.substitution(nested, offset: origin(open), at: b.text.count))
            case "'":
                quotedAt = quotedAt ?? b.text.count
                let open = i
                i += 1
                while true {
                    guard let d = at(i) else { throw error(at: origin(open), "a single quote is not closed") }
                    if d == "'" { break }
                    b.append(d, origin: origin(i))
                    i += 1
                }
                i += 1
            case "\"":
                quotedAt = quotedAt ?? b.text.count
                try doubleQuoted(&b, discard: false)
            case "\\":
                if at(i + 1) == "\n" {
                    i += 2
                } else if let d = at(i + 1) {
                    quotedAt = quotedAt ?? b.text.count
                    b.append(d, origin: origin(i + 1))
                    i += 2
                } else {
                    b.append(c, origin: origin(i))
                    i += 1
                }
            case "$":
                if at(i + 1) == "'" || at(i + 1) == "\"" { quotedAt = quotedAt ?? b.text.count }
                try dollar(&b, inDouble: false, discard: false)
            case "`":
                try backtick(&b, inDouble: false)
            default:
                b.append(c, origin: origin(i))
                i += 1
            }
        }
        b.quoted = quotedAt != nil
        markAssignment(&b, quotedAt: quotedAt)
        return b
    }

    /// The elements of an array assignment `NAME=( … )`: words, whose expansions become the
    /// assignment's, so `a=("$X")` is data in a variable and not a command.
    private mutating func arrayElements(into b: inout ShellScriptWord) throws(ShellScriptSyntaxError) {
        let open = i
        i += 1
        try enter(open)
        while true {
            skipBlanks()
            guard let c = at(i) else { throw error(at: origin(open), "an array `(` is not closed") }
            switch c {
            case ")":
                i += 1
                depth -= 1
                return
            case "\n":
                i += 1
            case "#":
                while let d = at(i), d != "\n" { i += 1 }
            default:
                let element = try word()
                guard !element.text.isEmpty || !element.references.isEmpty || element.quoted else {
                    throw error(at: origin(i), "an array element cannot start with `\(c)`")
                }
                for r in element.references {
                    switch r {
                    case .parameter(let name, let offset, _, let indirect):
                        b.references.append(
                            .parameter(name: name, offset: offset, at: b.text.count, indirect: indirect))
                    case .substitution(let script, let offset, _):
                        b.references.append(.substitution(script, offset: offset, at: b.text.count))
                    case .arithmetic(let a, _):
                        b.references.append(.arithmetic(a, at: b.text.count))
                    }
                }
            }
        }
    }

    /// Recognizes `NAME=`, `NAME+=` and `NAME[…]=`; the subscript of the last is arithmetic.
    private func markAssignment(_ b: inout ShellScriptWord, quotedAt: Int?) {
        let text = b.text
        guard let first = text.first, Self.isNameStart(first) else { return }
        var k = 1
        while k < text.count, Self.isNameChar(text[k]) { k += 1 }
        let nameEnd = k
        var subscriptEnd: Int?
        if k < text.count, text[k] == "[" {
            var level = 0
            while k < text.count {
                if text[k] == "[" { level += 1 }
                if text[k] == "]" {
                    level -= 1
                    if level == 0 { break }
                }
                k += 1
            }
            guard k < text.count else { return }
            subscriptEnd = k
            k += 1
        }
        if k < text.count, text[k] == "+" { k += 1 }
        guard k < text.count, text[k] == "=" else { return }
        // Quotes or expansions before the `[` (or the `=`) make it an ordinary word.
        let plainEnd = subscriptEnd == nil ? k : nameEnd
        if let quotedAt, quotedAt < plainEnd { return }
        for r in b.references {
            switch r {
            case .parameter(_, _, let at, _), .substitution(_, _, let at), .arithmetic(_, let at):
                if at <= plainEnd { return }
            }
        }
        b.assignment = (String(String.UnicodeScalarView(text[..<nameEnd])), k + 1)
        guard let subscriptEnd else { return }
        // The subscript of an indexed array is an arithmetic expression.
        var arithmetic = ShellScriptArithmetic(kind: .index, offset: b.origin(of: nameEnd))
        arithmetic.names = b.names(from: nameEnd + 1).filter { $0.offset < b.origin(of: subscriptEnd) }
        var rest: [ShellScriptReference] = []
        for r in b.references {
            switch r {
            case .parameter(_, _, let at, _), .substitution(_, _, let at), .arithmetic(_, let at):
                if at <= subscriptEnd { arithmetic.references.append(r) } else { rest.append(r) }
            }
        }
        if !arithmetic.names.isEmpty || !arithmetic.references.isEmpty {
            b.references = [.arithmetic(arithmetic, at: nameEnd)] + rest
        }
    }

    /// From the opening `"` through the closing one.
    private mutating func doubleQuoted(_ b: inout ShellScriptWord, discard: Bool) throws(ShellScriptSyntaxError) {
        let open = i
        i += 1
        try enter(open)
        while let c = at(i) {
            switch c {
            case "\"":
                i += 1
                depth -= 1
                return
            case "\\":
                if let d = at(i + 1), d == "$" || d == "`" || d == "\"" || d == "\\" || d == "\n" {
                    if d != "\n", !discard { b.append(d, origin: origin(i + 1)) }
                    i += 2
                } else {
                    if !discard { b.append(c, origin: origin(i)) }
                    i += 1
                }
            case "$": try dollar(&b, inDouble: true, discard: discard)
            case "`": try backtick(&b, inDouble: true)
            default:
                if !discard { b.append(c, origin: origin(i)) }
                i += 1
            }
        }
        throw error(at: origin(open), "a double quote is not closed")
    }

    /// At a `$`: a parameter, `${ … }`, `$( … )`, `$(( … ))`, `$'…'`, `$"…"` or a plain dollar sign.
    private mutating func dollar(
        _ b: inout ShellScriptWord, inDouble: Bool, discard: Bool
    )
        throws(ShellScriptSyntaxError)
    {
        let start = i
        guard let n = at(i + 1) else {
            if !discard { b.append("$", origin: origin(i)) }
            i += 1
            return
        }
        switch n {
        case "'" where !inDouble:
            // ANSI-C quoting: nothing in it expands.
            i += 2
            while true {
                guard let c = at(i) else { throw error(at: origin(start), "`$'` is not closed") }
                if c == "'" { break }
                if c == "\\", let d = at(i + 1) {
                    // Escapes stay as written, except the two that matter for finding the end.
                    if !discard {
                        if d != "'" && d != "\\" { b.append(c, origin: origin(i)) }
                        b.append(d, origin: origin(i + 1))
                    }
                    i += 2
                    continue
                }
                if !discard { b.append(c, origin: origin(i)) }
                i += 1
            }
            i += 1
        case "\"" where !inDouble:
            i += 1
            try doubleQuoted(&b, discard: discard)
        case "(":
            try enter(start)
            if at(i + 2) == "(", looksArithmetic(from: i + 3) {
                i += 3
                let a = try arithmetic(open: start, kind: .expansion)
                b.references.append(.arithmetic(a, at: b.text.count))
            } else {
                i += 2
                let nested = try script(closing: start)
                b.references.append(.substitution(nested, offset: origin(start), at: b.text.count))
            }
            depth -= 1
        case "{":
            try brace(&b, inDouble: inDouble)
        default:
            if Self.isNameStart(n) {
                i += 1
                let nameStart = i
                while let c = at(i), Self.isNameChar(c) { i += 1 }
                b.references.append(
                    .parameter(
                        name: String(String.UnicodeScalarView(source[nameStart..<i])), offset: origin(start),
                        at: b.text.count, indirect: false))
            } else if Self.isSpecialParameter(n) {
                i += 2
                b.references.append(
                    .parameter(name: String(n), offset: origin(start), at: b.text.count, indirect: false))
            } else {
                if !discard { b.append("$", origin: origin(i)) }
                i += 1
            }
        }
    }

    /// `${ … }`: the parameter, an optional subscript, then an operator word up to the first `}`.
    private mutating func brace(_ b: inout ShellScriptWord, inDouble: Bool) throws(ShellScriptSyntaxError) {
        let start = i
        i += 2
        try enter(start)
        func startsName(_ c: Unicode.Scalar?) -> Bool {
            guard let c else { return false }
            return Self.isNameStart(c) || Self.isSpecialParameter(c)
        }
        var length = false
        var indirect = false
        if at(i) == "#", at(i + 1) != "}", startsName(at(i + 1)) {
            length = true
            i += 1
        } else if at(i) == "!", at(i + 1) != "}", startsName(at(i + 1)) {
            indirect = true
            i += 1
        }
        let nameStart = i
        if let c = at(i), Self.isNameStart(c) {
            while let d = at(i), Self.isNameChar(d) { i += 1 }
        } else if let c = at(i), Self.isDigit(c) {
            while let d = at(i), Self.isDigit(d) { i += 1 }
        } else if let c = at(i), Self.isSpecialParameter(c) {
            i += 1
        }
        let name = String(String.UnicodeScalarView(source[nameStart..<i]))
        var listing = false
        if at(i) == "[" {
            if let c = at(i + 1), c == "@" || c == "*", at(i + 2) == "]" {
                listing = true
                i += 3
            } else {
                let open = i
                i += 1
                let a = try arithmetic(open: open, kind: .index)
                b.references.append(.arithmetic(a, at: b.text.count))
            }
        }
        if indirect, let c = at(i), c == "*" || c == "@", at(i + 1) == "}" {
            // ${!prefix*}: names of variables, not a value.
            listing = true
            i += 1
        }
        if !name.isEmpty, !length, !(indirect && listing) {
            b.references.append(
                .parameter(name: name, offset: origin(start), at: b.text.count, indirect: indirect))
        }
        while let c = at(i) {
            switch c {
            case "}":
                i += 1
                depth -= 1
                return
            case "\\": i += 2
            case "'" where !inDouble:
                let open = i
                i += 1
                while let d = at(i), d != "'" { i += 1 }
                guard at(i) != nil else { throw error(at: origin(open), "a single quote is not closed") }
                i += 1
            case "\"": try doubleQuoted(&b, discard: true)
            case "$": try dollar(&b, inDouble: inDouble, discard: true)
            case "`": try backtick(&b, inDouble: inDouble)
            default: i += 1
            }
        }
        throw error(at: origin(start), "`${` is not closed")
    }

    /// A backtick command substitution: its body, unescaped, is lexed as a script of its own.
    private mutating func backtick(_ b: inout ShellScriptWord, inDouble: Bool) throws(ShellScriptSyntaxError) {
        let open = i
        i += 1
        try enter(open)
        var body: [Unicode.Scalar] = []
        var bodyOrigins: [Int] = []
        var closed = false
        while let c = at(i) {
            if c == "`" {
                closed = true
                i += 1
                break
            }
            if c == "\\", let d = at(i + 1), d == "`" || d == "\\" || d == "$" || (inDouble && d == "\"") {
                body.append(d)
                bodyOrigins.append(origin(i + 1))
                i += 2
                continue
            }
            body.append(c)
            bodyOrigins.append(origin(i))
            i += 1
        }
        guard closed else { throw error(at: origin(open), "a backtick is not closed") }
        var inner = ShellScriptLexer(body, origins: bodyOrigins, endOrigin: origin(i - 1), depth: depth)
        swap(&inner.heredocs, &heredocs)
        let nested = try inner.parse()
        swap(&inner.heredocs, &heredocs)
        b.references.append(.substitution(nested, offset: origin(open), at: b.text.count))
        depth -= 1
    }

    // MARK: Arithmetic

    /// Whether `((` opens arithmetic rather than two subshells: its first unmatched `)` is `))`.
    private func looksArithmetic(from start: Int) -> Bool {
        var level = 0
        var k = start
        while k < end {
            switch source[k] {
            case "(": level += 1
            case ")":
                if level == 0 { return k + 1 < end && source[k + 1] == ")" }
                level -= 1
            case "'", "\"":
                let q = source[k]
                k += 1
                while k < end, source[k] != q {
                    if q == "\"", source[k] == "\\" { k += 1 }
                    k += 1
                }
            case "\\": k += 1
            default: break
            }
            k += 1
        }
        return true
    }

    /// Up to the `))` (or `]` for a subscript) that closes an arithmetic expression.
    private mutating func arithmetic(
        open: Int, kind: ShellScriptArithmetic.Kind
    ) throws(ShellScriptSyntaxError)
        -> ShellScriptArithmetic
    {
        var a = ShellScriptArithmetic(kind: kind, offset: origin(open))
        var refs = ShellScriptWord(offset: origin(open))
        var parens = 0
        var brackets = 0
        while let c = at(i) {
            if Self.isNameStart(c) {
                let s = i
                while let d = at(i), Self.isNameChar(d) { i += 1 }
                a.names.append(
                    ShellScriptName(name: String(String.UnicodeScalarView(source[s..<i])), offset: origin(s)))
                continue
            }
            if Self.isDigit(c) {
                while let d = at(i), Self.isNameChar(d) || d == "#" { i += 1 }
                continue
            }
            switch c {
            case "(": parens += 1
            case ")":
                if parens == 0, kind != .index {
                    guard at(i + 1) == ")" else { throw error(at: origin(open), "arithmetic `((` is not closed") }
                    i += 2
                    a.references = refs.references
                    return a
                }
                parens -= 1
            case "[": brackets += 1
            case "]":
                if brackets == 0, kind == .index {
                    i += 1
                    a.references = refs.references
                    return a
                }
                brackets -= 1
            case "$":
                try dollar(&refs, inDouble: false, discard: true)
                continue
            case "`":
                try backtick(&refs, inDouble: false)
                continue
            case "\"":
                var quoted = ShellScriptWord(offset: origin(i))
                try doubleQuoted(&quoted, discard: false)
                a.names += quoted.names()
                refs.references += quoted.references
                continue
            case "'":
                let q = i
                i += 1
                while let d = at(i), d != "'" { i += 1 }
                guard at(i) != nil else { throw error(at: origin(q), "a single quote is not closed") }
            case "\\": i += 1
            default: break
            }
            i += 1
        }
        throw error(at: origin(open), kind == .index ? "`[` is not closed" : "arithmetic `((` is not closed")
    }
}
