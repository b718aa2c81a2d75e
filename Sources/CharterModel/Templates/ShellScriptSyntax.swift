/// A shell script split into tokens, in source order. Command substitutions hang off the words
/// that contain them as nested scripts, so the tree is as deep as the script's nesting.
struct ShellScriptSyntax: Sendable {
    var tokens: [Token] = []

    enum Operator: Sendable, Equatable {
        /// `;`, `&`, newline, `&&`, `||`: each ends a pipeline.
        case separator
        case pipe
        /// `(` opening a subshell, and its `)`.
        case open, close
        /// `;;`, `;&`, `;;&`, and the `)` that ends a case pattern: they end a command list.
        case caseBreak
    }

    enum Token: Sendable {
        /// A word the parser places: command name, argument, assignment or keyword.
        case word(ShellScriptWord)
        /// A word that is only data: a case subject, `in`, or a case pattern.
        case data(ShellScriptWord)
        /// A reserved word in command position: `if`, `done`, `{`, `case`, `function`, ….
        case keyword(ShellScriptWord)
        case op(Operator, offset: Int)
        case redirect(Redirect)
        /// `(( … ))` as a command, or the header of `for (( … ))`.
        case arithmetic(ShellScriptArithmetic)
        /// The words between `[[` and `]]`; its operators are dropped.
        case test([ShellScriptWord], offset: Int)
    }

    struct Redirect: Sendable {
        /// `input` is `<` or `<>`; `duplicate` is `<&`, or `>&` after a descriptor (`3>&0`); `file` any
        /// other redirection (output).
        enum Kind: Sendable { case file, input, duplicate, hereString, heredoc }
        var kind: Kind
        var offset: Int
        /// The file or here-string word; nil for a heredoc.
        var target: ShellScriptWord?
        /// Index into the heredoc table of the parse.
        var heredoc: Int?
        /// The descriptor written before the operator (`3` in `3<<EOF`), ``namedDescriptor`` for
        /// `{fd}<…`, nil for the operator's default.
        var descriptor: Int?

        static let namedDescriptor = -1

        /// The descriptor it sets: the written one, else 0 for input and 1 for output.
        var effectiveDescriptor: Int {
            if let descriptor { return descriptor }
            switch kind {
            case .input, .duplicate, .hereString, .heredoc: return 0
            case .file: return 1
            }
        }
    }
}

/// A heredoc body. A quoted delimiter makes the body literal: then the body word has no references.
struct ShellScriptHeredoc: Sendable {
    var offset: Int
    var quoted: Bool
    var body = ShellScriptWord(offset: 0)
}

/// One place where a word takes text from elsewhere.
enum ShellScriptReference: Sendable {
    /// What bash does with a parameter's value besides expanding it.
    enum Evaluation: Sendable {
        /// `${!V}`: the value is a variable name.
        case indirect
        /// `${V@P}`: the value is expanded as a prompt string.
        case prompt
    }

    /// `$V`, `${V}`, `${V…}`; `evaluation` for `${!V}` and `${V@P}`. `at` is the word text index
    /// where it stands.
    case parameter(name: String, offset: Int, at: Int, evaluation: Evaluation?)
    /// `$( … )`, backticks, `<( … )`, `>( … )`.
    case substitution(ShellScriptSyntax, offset: Int, at: Int)
    /// `$(( … ))` or an array subscript.
    case arithmetic(ShellScriptArithmetic, at: Int)
}

/// An arithmetic expression: the variables it names without `$`, and its expansions.
struct ShellScriptArithmetic: Sendable {
    /// `$(( ))`, `(( ))`, an array subscript, `${V:offset:length}`, or `$[ ]`.
    enum Kind: Sendable { case expansion, command, index, substring, legacy }
    var kind: Kind
    var offset: Int
    var names: [ShellScriptName] = []
    var references: [ShellScriptReference] = []
    /// For a subscript: the array's name, when it is known (an associative array's subscript is
    /// a string, not arithmetic).
    var array: String?
}

struct ShellScriptName: Sendable {
    var name: String
    var offset: Int
}

/// A shell word: its literal characters with quotes removed (expansions leave nothing), where
/// each character came from, and the expansions in it.
struct ShellScriptWord: Sendable {
    /// Where the word starts in the original script.
    var offset: Int
    var text: [Unicode.Scalar] = []
    /// Maps text indexes to script offsets: a run starts wherever the mapping jumps.
    var runs: [(at: Int, origin: Int)] = []
    var references: [ShellScriptReference] = []
    /// For `NAME=…` (also `NAME+=…`, `NAME[…]=…`): the name and the text index where the value starts.
    var assignment: (name: String, valueStart: Int)?
    /// Whether any part was quoted or escaped: such a word is never a reserved word.
    var quoted = false
    /// Offsets of the expansions that stand outside quotes, which the shell splits into words and
    /// expands as globs.
    var unquoted: Set<Int> = []
    /// Whether the word may become zero or several words: an unquoted expansion, glob or brace,
    /// or `"$@"` and `"${a[@]}"`.
    var fields = false

    init(offset: Int) { self.offset = offset }

    /// The whole word, when it has no expansions.
    var literal: String? { references.isEmpty ? Self.string(text[...]) : nil }

    /// The word when it is spelled like a reserved word (`if`, `done`, `[[`, `in`, …) and is not
    /// quoted. Cheaper than `literal`, which matters because the lexer asks it of every word.
    var keyword: String? {
        guard references.isEmpty, !quoted, !text.isEmpty, text.count <= 8 else { return nil }
        var key: UInt64 = 0
        var k = 0
        while k < text.count {
            let v = text[k].value
            guard v < 128 else { return nil }
            key = key << 8 | UInt64(v)
            k += 1
        }
        return Self.keywords[key]
    }

    private static let keywords: [UInt64: String] = {
        let words = [
            "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "select", "case", "esac", "in",
            "function", "time", "coproc", "{", "}", "!", "[[", "]]",
        ]
        var table: [UInt64: String] = [:]
        for w in words { table[w.unicodeScalars.reduce(0) { $0 << 8 | UInt64($1.value) }] = w }
        return table
    }()

    /// The last path component of a command word when it is literal: `sh` for `/bin/sh` and for
    /// `"$DIR/sh"`, nil for `$CMD` or `"$DIR"/$CMD`.
    var commandName: String? {
        let slash = text.lastIndex(of: "/")
        for r in references {
            switch r {
            case .parameter(_, _, let at, _), .substitution(_, _, let at), .arithmetic(_, let at):
                guard let slash, at <= slash else { return nil }
            }
        }
        return Self.string(text[((slash ?? -1) + 1)...])
    }

    /// Records an expansion at script offset `offset` that stands outside quotes.
    mutating func markUnquoted(_ offset: Int) {
        unquoted.insert(offset)
        fields = true
    }

    /// The literal word from text index `start` on: the definition in `alias name='…'`.
    func suffix(from start: Int) -> ShellScriptWord {
        var w = ShellScriptWord(offset: origin(of: start))
        for k in start..<text.count { w.append(text[k], origin: origin(of: k)) }
        return w
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars)
        return s
    }

    /// The literal text before the first expansion: enough to read an option such as `-e` in `-e"$X"`.
    var prefix: String {
        let end: Int
        switch references.first {
        case .parameter(_, _, let at, _), .substitution(_, _, let at), .arithmetic(_, let at): end = at
        case nil: end = text.count
        }
        return Self.string(text[..<end])
    }

    /// The script offset of text index `index`.
    func origin(of index: Int) -> Int {
        var low = 0
        var high = runs.count - 1
        guard high >= 0 else { return offset }
        while low < high {
            let mid = (low + high + 1) / 2
            if runs[mid].at <= index { low = mid } else { high = mid - 1 }
        }
        return runs[low].origin + (index - runs[low].at)
    }

    mutating func append(_ c: Unicode.Scalar, origin: Int) {
        if let last = runs.last, last.origin + (text.count - last.at) == origin {
        } else {
            runs.append((text.count, origin))
        }
        text.append(c)
    }

    /// The identifiers in the text from `start` on, as an arithmetic expression would read them.
    func names(from start: Int = 0) -> [ShellScriptName] {
        var names: [ShellScriptName] = []
        var k = start
        while k < text.count {
            let c = text[k]
            if ShellScriptLexer.isNameStart(c) {
                let begin = k
                while k < text.count, ShellScriptLexer.isNameChar(text[k]) { k += 1 }
                names.append(
                    ShellScriptName(
                        name: String(String.UnicodeScalarView(text[begin..<k])), offset: origin(of: begin)))
            } else if ShellScriptLexer.isDigit(c) {
                // A number such as 0x1f or 16#ff is not a name.
                while k < text.count, ShellScriptLexer.isNameChar(text[k]) || text[k] == "#" { k += 1 }
            } else {
                k += 1
            }
        }
        return names
    }
}

/// Why a script cannot be checked.
struct ShellScriptSyntaxError: Error, Sendable {
    var offset: Int
    var message: String
}
