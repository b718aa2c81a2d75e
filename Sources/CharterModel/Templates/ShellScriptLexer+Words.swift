/// Words, quotes, expansions and arithmetic for ``ShellScriptLexer``.
extension ShellScriptLexer {
    // MARK: Words

    mutating func word() throws(ShellScriptSyntaxError) -> ShellScriptWord {
        var b = ShellScriptWord(offset: origin(i))
        var quotedAt: Int?
        var brace = false
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
                // Unquoted glob characters and brace expansions ({a,b}, {1..3}) may make several words.
                switch c {
                case "*", "?", "[": b.fields = true
                case "{": brace = true
                case "," where brace: b.fields = true
                case "." where brace && at(i + 1) == ".": b.fields = true
                default: break
                }
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
    mutating func arrayElements(into b: inout ShellScriptWord) throws(ShellScriptSyntaxError) {
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
                for r in subscripted(element, array: arrayName(b)) {
                    switch r {
                    case .parameter(let name, let offset, _, let evaluation):
                        b.references.append(
                            .parameter(name: name, offset: offset, at: b.text.count, evaluation: evaluation))
                    case .substitution(let script, let offset, _):
                        b.references.append(.substitution(script, offset: offset, at: b.text.count))
                    case .arithmetic(let a, _):
                        b.references.append(.arithmetic(a, at: b.text.count))
                    }
                }
            }
        }
    }

    /// The name in `NAME=(` or `NAME+=(`, read before the `(`.
    private func arrayName(_ b: ShellScriptWord) -> String? {
        var end = b.text.count - 1
        if end > 0, b.text[end - 1] == "+" { end -= 1 }
        guard end > 0, b.references.isEmpty else { return nil }
        return ShellScriptWord.string(b.text[..<end])
    }

    /// The references of an array element; in `[SUBSCRIPT]=value` those of the subscript become
    /// one arithmetic reference, as bash evaluates it for an indexed array.
    private func subscripted(_ element: ShellScriptWord, array: String?) -> [ShellScriptReference] {
        let text = element.text
        // An unquoted `[` starts the element (a quoted or escaped one would start later in the script).
        guard text.first == "[", element.origin(of: 0) == element.offset else {
            return element.references
        }
        var level = 0
        var k = 0
        while k < text.count {
            if text[k] == "[" { level += 1 }
            if text[k] == "]" {
                level -= 1
                if level == 0 { break }
            }
            k += 1
        }
        let equals = k + 1 < text.count && text[k + 1] == "="
        let appends = k + 2 < text.count && text[k + 1] == "+" && text[k + 2] == "="
        guard equals || appends else {
            return element.references
        }
        let end = element.origin(of: k)
        var arithmetic = ShellScriptArithmetic(kind: .index, offset: element.offset, array: array)
        arithmetic.names = element.names(from: 1).filter { $0.offset < end }
        var rest: [ShellScriptReference] = []
        for r in element.references {
            switch r {
            case .parameter(_, _, let at, _), .substitution(_, _, let at), .arithmetic(_, let at):
                if at <= k { arithmetic.references.append(r) } else { rest.append(r) }
            }
        }
        guard !arithmetic.names.isEmpty || !arithmetic.references.isEmpty else { return rest }
        return [.arithmetic(arithmetic, at: 0)] + rest
    }

    /// Recognizes `NAME=`, `NAME+=` and `NAME[…]=`; the subscript of the last is arithmetic.
    func markAssignment(_ b: inout ShellScriptWord, quotedAt: Int?) {
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
        var arithmetic = ShellScriptArithmetic(
            kind: .index, offset: b.origin(of: nameEnd), array: b.assignment?.name)
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
    mutating func doubleQuoted(_ b: inout ShellScriptWord, discard: Bool) throws(ShellScriptSyntaxError) {
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
    mutating func dollar(
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
                if !inDouble { b.markUnquoted(origin(start)) }
            }
            depth -= 1
        case "{":
            try brace(&b, inDouble: inDouble)
        case "[":
            // `$[ … ]`, bash's old spelling of `$(( … ))`.
            try enter(start)
            i += 2
            let a = try arithmetic(open: start, kind: .legacy)
            b.references.append(.arithmetic(a, at: b.text.count))
            depth -= 1
        default:
            if Self.isNameStart(n) {
                i += 1
                let nameStart = i
                while let c = at(i), Self.isNameChar(c) { i += 1 }
                b.references.append(
                    .parameter(
                        name: String(String.UnicodeScalarView(source[nameStart..<i])), offset: origin(start),
                        at: b.text.count, evaluation: nil))
                if !inDouble { b.markUnquoted(origin(start)) }
            } else if Self.isSpecialParameter(n) {
                i += 2
                b.references.append(
                    .parameter(name: String(n), offset: origin(start), at: b.text.count, evaluation: nil))
                if !inDouble { b.markUnquoted(origin(start)) }
                if n == "@" || n == "*" { b.fields = true }
            } else {
                if !discard { b.append("$", origin: origin(i)) }
                i += 1
            }
        }
    }

    /// `${ … }`: the parameter, an optional subscript, then an operator word up to the first `}`.
    mutating func brace(_ b: inout ShellScriptWord, inDouble: Bool) throws(ShellScriptSyntaxError) {
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
                var a = try arithmetic(open: open, kind: .index)
                a.array = name
                b.references.append(.arithmetic(a, at: b.text.count))
            }
        }
        if indirect, let c = at(i), c == "*" || c == "@", at(i + 1) == "}" {
            // ${!prefix*}: names of variables, not a value.
            listing = true
            i += 1
        }
        // `${V+word}` and `${V:+word}` expand to the word, never to the value.
        let alternative = at(i) == "+" || (at(i) == ":" && at(i + 1) == "+")
        let prompt = at(i) == "@" && at(i + 1) == "P" && at(i + 2) == "}"
        if !name.isEmpty, !length, !(indirect && listing), indirect || !alternative {
            let evaluation: ShellScriptReference.Evaluation? = indirect ? .indirect : prompt ? .prompt : nil
            b.references.append(
                .parameter(name: name, offset: origin(start), at: b.text.count, evaluation: evaluation))
            if !inDouble { b.markUnquoted(origin(start)) }
            if listing || name == "@" || name == "*" { b.fields = true }
        } else if !name.isEmpty, alternative {
            // The word's text is not known (`${E:+eval}` may be `eval`): a reference to no variable.
            b.references.append(.parameter(name: "", offset: origin(start), at: b.text.count, evaluation: nil))
            if !inDouble { b.fields = true }
        }
        if at(i) == ":", let c = at(i + 1), c != "-", c != "=", c != "?", c != "+" {
            // `${V:offset}` and `${V:offset:length}`: both are arithmetic expressions.
            i += 1
            let a = try arithmetic(open: start, kind: .substring)
            b.references.append(.arithmetic(a, at: b.text.count))
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
    mutating func backtick(_ b: inout ShellScriptWord, inDouble: Bool) throws(ShellScriptSyntaxError) {
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
        if !inDouble { b.markUnquoted(origin(open)) }
        depth -= 1
    }

    // MARK: Arithmetic

    /// Whether `((` opens arithmetic rather than two subshells: its first unmatched `)` is `))`.
    func looksArithmetic(from start: Int) -> Bool {
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

    /// Up to the `))` (`]` for a subscript and `$[`) that closes an arithmetic expression, or up to
    /// the `}` of `${V:offset:length}`, which is left for the caller.
    mutating func arithmetic(
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
                if parens == 0, kind == .expansion || kind == .command {
                    guard at(i + 1) == ")" else { throw error(at: origin(open), "arithmetic `((` is not closed") }
                    i += 2
                    a.references = refs.references
                    return a
                }
                parens -= 1
            case "[": brackets += 1
            case "]":
                if brackets == 0, kind == .index || kind == .legacy {
                    i += 1
                    a.references = refs.references
                    return a
                }
                brackets -= 1
            case "}" where kind == .substring:
                a.references = refs.references
                return a
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
        switch kind {
        case .index: throw error(at: origin(open), "`[` is not closed")
        case .legacy: throw error(at: origin(open), "`$[` is not closed")
        case .substring: throw error(at: origin(open), "`${` is not closed")
        case .expansion, .command: throw error(at: origin(open), "arithmetic `((` is not closed")
        }
    }
}
