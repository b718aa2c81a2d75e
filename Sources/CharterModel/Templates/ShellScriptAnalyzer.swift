/// Walks a parsed script in source order, tracks which variables carry values, and collects the
/// places where a value would be parsed as code. Command-specific rules are in
/// `ShellScriptAnalyzer+Commands.swift`.
struct ShellScriptAnalyzer {
    /// A live expansion of a value: where it is, which variable, and how it reaches the spot.
    struct Hit {
        enum Via { case expansion, name, substitution, xargs }
        var offset: Int
        var variable: String
        var via: Via
    }

    /// A word of a command together with the values it expands.
    struct Argument {
        var word: ShellScriptWord?
        var hits: [Hit]
        /// Set when `xargs` puts input items into the word, so its text is no longer known.
        var opaque = false

        var literal: String? { opaque ? nil : word?.literal }
        var prefix: String { opaque ? "" : word?.prefix ?? "" }
    }

    /// What a command's standard input carries.
    struct Input {
        /// `file` is a `<` redirection: the input is a file, chosen by `hit` when there is one.
        enum Kind { case heredoc, hereString, pipe, file }
        var kind: Kind
        var hit: Hit?
        /// The heredoc body or here-string, when it has no expansions at all.
        var literal: ShellScriptWord?
    }

    /// One command of a pipeline, collected until the pipeline ends.
    private struct Stage {
        var assignments: [ShellScriptWord] = []
        var words: [ShellScriptWord] = []
        var redirects: [ShellScriptSyntax.Redirect] = []
        /// For `( … )`, `{ … }`, loops and the like: the value its output may carry.
        var compound: Hit?
        var isEmpty: Bool { assignments.isEmpty && words.isEmpty && redirects.isEmpty && compound == nil }
    }

    private struct Compound {
        /// `seen.count` when it opened.
        var mark: Int
        /// What the commands inside read on standard input.
        var input: Hit?
    }

    /// `for NAME in WORDS`, `select NAME in WORDS` while it is being read.
    private struct LoopHeader {
        enum State { case name, afterName, list }
        var state = State.name
        var name: String?
        var words: [ShellScriptWord] = []
    }

    /// The variables that carry values: those given, and those assigned from them so far.
    private(set) var values: Set<String>
    /// The names `taint` added, in order, so a subshell's additions can be undone without copying `values`.
    private var tainted: [String] = []
    var findings: [ShellScanFinding] = []
    /// Every live expansion of a value so far, in order: a nested script or compound command
    /// carries a value when this grew while it was analyzed.
    private var seen: [Hit] = []
    var heredocs: [ShellScriptHeredoc] = []
    private(set) var depth = 0

    init(values: Set<String>) { self.values = values }

    /// From here on, `name` carries a value.
    mutating func taint(_ name: String) {
        if values.insert(name).inserted { tainted.append(name) }
    }

    mutating func report(_ rule: ShellScanRule, _ hit: Hit) {
        findings.append(ShellScanFinding(rule: rule, hit: hit))
    }

    mutating func analyze(_ script: ShellScriptSyntax) {
        depth += 1
        defer { depth -= 1 }
        var pipeline: [Stage] = []
        var stage = Stage()
        var compounds: [Compound] = []
        var loop: LoopHeader?
        var skipFunctionName = false
        var functionParens = false

        func endPipeline(_ a: inout ShellScriptAnalyzer) {
            if !stage.isEmpty { pipeline.append(stage) }
            stage = Stage()
            if !pipeline.isEmpty { _ = a.run(pipeline, inherited: compounds.last?.input) }
            pipeline = []
        }
        func open(_ a: inout ShellScriptAnalyzer, _ redirects: [ShellScriptSyntax.Redirect]?) {
            if !stage.isEmpty { pipeline.append(stage) }
            stage = Stage()
            let upstream = pipeline.isEmpty ? nil : a.run(pipeline, inherited: compounds.last?.input)
            pipeline = []
            // Redirections after the closing `done`, `}`, `)` … feed every command inside.
            var own: Input?
            for r in redirects ?? [] {
                let input = a.input(r)
                if r.kind != .file { own = input }
            }
            let input = own.map { $0.kind == .file ? nil : $0.hit } ?? upstream ?? compounds.last?.input
            compounds.append(Compound(mark: a.seen.count, input: input))
        }
        func close(_ a: inout ShellScriptAnalyzer) {
            endPipeline(&a)
            guard let c = compounds.popLast() else { return }
            stage.compound = a.seen.count > c.mark ? a.seen[c.mark] : c.input
        }

        let compoundInputs = compoundRedirects(script.tokens)
        var index = -1
        for token in script.tokens {
            index += 1
            switch token {
            case .word(let w):
                if skipFunctionName {
                    skipFunctionName = false
                    continue
                }
                if var header = loop {
                    switch header.state {
                    case .name:
                        header.name = w.literal
                        header.state = .afterName
                    case .afterName:
                        if w.keyword == "in" { header.state = .list } else { loop = nil }
                    case .list:
                        header.words.append(w)
                    }
                    if loop != nil { loop = header }
                    continue
                }
                if stage.words.isEmpty, w.assignment != nil {
                    stage.assignments.append(w)
                } else {
                    stage.words.append(w)
                }
            case .keyword(let w):
                // `for NAME; do` and `for NAME do`: no word list.
                if loop?.state == .afterName { loop = nil }
                switch w.keyword {
                case "if", "while", "until", "{", "case":
                    open(&self, compoundInputs.after[index])
                case "for", "select":
                    open(&self, compoundInputs.after[index])
                    loop = LoopHeader()
                case "fi", "done", "esac", "}":
                    close(&self)
                case "function":
                    skipFunctionName = true
                default:
                    // `then`, `else`, `elif`, `do`, `!`: the list goes on.
                    break
                }
            case .data(let w):
                _ = hits(w.references)
            case .redirect(let r):
                if !compoundInputs.consumed.contains(index) { stage.redirects.append(r) }
            case .arithmetic(let a):
                loop = nil
                arithmetic(a)
            case .test(let words, _):
                test(words)
            case .op(let op, _):
                switch op {
                case .pipe:
                    pipeline.append(stage)
                    stage = Stage()
                case .open:
                    if stage.words.count == 1, stage.assignments.isEmpty, stage.redirects.isEmpty {
                        // `name ( )`: a function definition; its body comes next.
                        functionParens = true
                        stage = Stage()
                    } else {
                        open(&self, compoundInputs.after[index])
                    }
                case .close:
                    if functionParens {
                        functionParens = false
                    } else {
                        close(&self)
                    }
                case .separator, .caseBreak:
                    if let header = loop, header.state == .list {
                        var carried = false
                        for w in header.words where !hits(w.references).isEmpty { carried = true }
                        if carried, let name = header.name { taint(name) }
                        loop = nil
                    }
                    endPipeline(&self)
                }
            }
        }
        endPipeline(&self)
    }

    /// Analyzes a pipeline and returns the first value any of its commands expands (what a
    /// following reader of its output may get).
    private mutating func run(_ stages: [Stage], inherited: Hit?) -> Hit? {
        var upstream: Hit?
        for (n, stage) in stages.enumerated() {
            var assignmentHits: [[Hit]] = []
            for w in stage.assignments { assignmentHits.append(hits(w.references)) }
            var arguments: [Argument] = []
            arguments.reserveCapacity(stage.words.count)
            for w in stage.words { arguments.append(Argument(word: w, hits: hits(w.references))) }
            var own: Input?
            var redirectHit: Hit?
            for r in stage.redirects {
                let redirected = input(r)
                redirectHit = redirectHit ?? redirected.hit
                if r.kind != .file { own = redirected }
            }
            let input = own ?? Input(kind: .pipe, hit: n == 0 ? inherited : upstream)
            invoke(arguments, input: input)
            for (w, h) in zip(stage.assignments, assignmentHits) where !h.isEmpty {
                if let name = w.assignment?.name { taint(name) }
            }
            if upstream == nil {
                for h in assignmentHits where upstream == nil { upstream = h.first }
                for a in arguments where upstream == nil { upstream = a.hits.first }
                upstream = upstream ?? redirectHit ?? stage.compound
            }
        }
        return upstream
    }

    /// What a redirection feeds a command (for a `>` file, just the values its target expands).
    private mutating func input(_ r: ShellScriptSyntax.Redirect) -> Input {
        let word: ShellScriptWord
        let kind: Input.Kind
        switch r.kind {
        case .file, .input: (word, kind) = (r.target ?? ShellScriptWord(offset: r.offset), .file)
        case .hereString: (word, kind) = (r.target ?? ShellScriptWord(offset: r.offset), .hereString)
        case .heredoc: (word, kind) = (heredocs[r.heredoc ?? 0].body, .heredoc)
        }
        let h = hits(word.references)
        if r.kind == .input, word.text.isEmpty, word.references.count == 1,
            case .substitution = word.references[0]
        {
            // `< <(cmd)`: the input is the output of cmd, as through a pipe.
            return Input(kind: .pipe, hit: h.first)
        }
        return Input(kind: kind, hit: h.first, literal: kind != .file && word.references.isEmpty ? word : nil)
    }

    /// The redirections written after the end of compound commands (`done < file`), which
    /// apply to the commands inside and so are analyzed where the compound opens.
    private struct CompoundRedirects {
        /// By the token index of the compound's opening keyword or `(`.
        var after: [Int: [ShellScriptSyntax.Redirect]] = [:]
        /// Token indexes of those redirections, skipped where they stand.
        var consumed: Set<Int> = []
    }

    private func compoundRedirects(_ tokens: [ShellScriptSyntax.Token]) -> CompoundRedirects {
        var found = CompoundRedirects()
        var open: [Int] = []
        for k in tokens.indices {
            let closes: Bool
            switch tokens[k] {
            case .keyword(let w):
                switch w.keyword {
                case "if", "while", "until", "{", "case", "for", "select":
                    open.append(k)
                    continue
                case "fi", "done", "esac", "}": closes = true
                default: closes = false
                }
            case .op(.open, _):
                open.append(k)
                continue
            case .op(.close, _): closes = true
            default: closes = false
            }
            guard closes, let opener = open.popLast() else { continue }
            var j = k + 1
            var redirects: [ShellScriptSyntax.Redirect] = []
            while j < tokens.count, case .redirect(let r) = tokens[j] {
                redirects.append(r)
                found.consumed.insert(j)
                j += 1
            }
            if !redirects.isEmpty { found.after[opener] = redirects }
        }
        return found
    }

    /// The values that `references` expand. Analyzes nested scripts and arithmetic on the way,
    /// so call it once per word.
    mutating func hits(_ references: [ShellScriptReference]) -> [Hit] {
        var out: [Hit] = []
        for r in references {
            switch r {
            case .parameter(let name, let offset, _, let indirect):
                guard values.contains(name) else { continue }
                let h = Hit(offset: offset, variable: name, via: .expansion)
                out.append(h)
                seen.append(h)
                if indirect { report(.indirect, h) }
            case .substitution(let script, let offset, _):
                let mark = seen.count
                // Assignments in a command substitution stay in its subshell.
                let scope = tainted.count
                analyze(script)
                for name in tainted[scope...] { values.remove(name) }
                tainted.removeSubrange(scope...)
                if seen.count > mark {
                    let h = Hit(offset: offset, variable: seen[mark].variable, via: .substitution)
                    out.append(h)
                    seen.append(h)
                }
            case .arithmetic(let a, _):
                arithmetic(a)
            }
        }
        return out
    }

    private mutating func arithmetic(_ a: ShellScriptArithmetic) {
        let construct: String
        switch a.kind {
        case .expansion: construct = "`$(( … ))`"
        case .command: construct = "`(( … ))`"
        case .index: construct = "an array subscript"
        }
        arithmetic(names: a.names, hits: hits(a.references), construct: construct)
    }

    /// Reports value variables that an arithmetic expression names or expands.
    mutating func arithmetic(names: [ShellScriptName], hits: [Hit], construct: String) {
        for n in names where values.contains(n.name) {
            let h = Hit(offset: n.offset, variable: n.name, via: .name)
            seen.append(h)
            report(.arithmetic(construct), h)
        }
        for h in hits { report(.arithmetic(construct), h) }
    }

    /// `[[ … ]]`: the operands of its integer comparisons are arithmetic expressions in bash.
    private mutating func test(_ words: [ShellScriptWord]) {
        let wordHits = words.map { hits($0.references) }
        let comparisons: Set<String> = ["-eq", "-ne", "-lt", "-le", "-gt", "-ge"]
        for (k, w) in words.enumerated() {
            guard let op = w.literal, comparisons.contains(op) else { continue }
            for operand in [k - 1, k + 1] where words.indices.contains(operand) {
                arithmetic(
                    names: words[operand].names(), hits: wordHits[operand], construct: "`[[ … \(op) … ]]`")
            }
        }
    }

    /// Scans literal text that a command will run as shell code (`eval 'a'`, `sh -c 'a'`, a quoted
    /// heredoc fed to `sh`) as a script of its own, the words joined by spaces.
    mutating func scanLiteral(_ words: [ShellScriptWord]) {
        var source: [Unicode.Scalar] = []
        var origins: [Int] = []
        for (n, w) in words.enumerated() {
            if n > 0 {
                source.append(" ")
                origins.append((origins.last ?? w.offset) + 1)
            }
            for (k, c) in w.text.enumerated() {
                source.append(c)
                origins.append(w.origin(of: k))
            }
        }
        var lexer = ShellScriptLexer(
            source, origins: origins, endOrigin: (origins.last ?? words.first?.offset ?? 0) + 1, depth: depth)
        do {
            let script = try lexer.parse()
            let saved = heredocs
            heredocs = lexer.heredocs
            analyze(script)
            heredocs = saved
        } catch {
            findings.append(ShellScanFinding(syntax: error, inString: true))
        }
    }
}
