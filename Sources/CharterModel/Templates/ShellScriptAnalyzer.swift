/// Walks a parsed script in source order, tracks which variables carry values, and collects the
/// places where a value would be parsed as code. Command-specific rules are in the
/// `ShellScriptAnalyzer+*.swift` files.
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
        /// Whether it may become zero or several words, so the positions of the words after it are unknown.
        var fields: Bool { word?.fields ?? true || opaque }
        /// The hits the shell splits into words: expansions outside quotes.
        var splitHits: [Hit] {
            guard let unquoted = word?.unquoted, !unquoted.isEmpty else { return [] }
            return hits.filter { $0.via != .xargs && unquoted.contains($0.offset) }
        }
    }

    /// What a command reads on a descriptor.
    struct Input {
        /// `file` is a `<` redirection: the input is a file, chosen by `hit` when there is one.
        enum Kind { case heredoc, hereString, pipe, file }
        var kind: Kind
        var hit: Hit?
        /// The heredoc body or here-string, when it has no expansions at all.
        var literal: ShellScriptWord?
    }

    /// What each descriptor of a command reads, by ``slot(_:)`` (0 is standard input;
    /// `ShellScriptSyntax.Redirect.namedDescriptor` collects `{fd}<…`).
    typealias Descriptors = [Int: Input]

    /// The key of descriptor `fd` in ``Descriptors``: descriptors above 9 share one, so a table
    /// has at most 12 entries and copying it per command stays cheap.
    static func slot(_ fd: Int) -> Int { min(fd, 10) }

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
        /// What the commands inside read.
        var descriptors: Descriptors
        /// What standard input inside carries, when it can reach the compound's output.
        var input: Hit? {
            guard let i = descriptors[0], i.kind != .file else { return nil }
            return i.hit
        }
    }

    /// `for NAME in WORDS`, `select NAME in WORDS` while it is being read.
    private struct LoopHeader {
        enum State { case name, afterName, list }
        var state = State.name
        var name: String?
        var words: [ShellScriptWord] = []
    }

    /// The variables that carry values: those given, and those assigned from them so far. The
    /// positional parameters that do are there by number, `@` and `*`, or as ``allPositionals``.
    private(set) var values: Set<String>
    /// The names `taint` added, in order, so a subshell's additions can be undone without copying `values`.
    private var tainted: [String] = []
    var findings: [ShellScanFinding] = []
    /// Unquoted expansions of values, reported only where no other finding points at the same place.
    var splitFindings: [ShellScanFinding] = []
    /// Every live expansion of a value so far, in order: a nested script or compound command
    /// carries a value when this grew while it was analyzed.
    private var seen: [Hit] = []
    var heredocs: [ShellScriptHeredoc] = []
    private(set) var depth = 0
    /// Variables declared with `-i` (an assignment evaluates arithmetic), `-n` (a name reference)
    /// and `-A` (an associative array, whose subscripts are strings). Never undone: conservative.
    var integers: Set<String> = []
    var references: Set<String> = []
    var associative: Set<String> = []
    /// What the shell's own descriptors read, as `exec 3<<EOF` and `exec <file` leave them.
    var persistent: Descriptors = [:]

    /// In `values`: every positional parameter carries a value.
    static let allPositionals = "[positional]"
    private static let positionalKeys = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "@", "*", allPositionals]

    init(values: Set<String>) { self.values = values }

    /// From here on, `name` carries a value.
    mutating func taint(_ name: String) {
        if values.insert(name).inserted { tainted.append(name) }
    }

    /// Whether the variable or positional parameter `name` carries a value.
    func isValue(_ name: String) -> Bool {
        if values.contains(name) { return true }
        guard values.contains(Self.allPositionals), let first = name.unicodeScalars.first else { return false }
        return name == "@" || name == "*" || (first != "0" && name.unicodeScalars.allSatisfy(ShellScriptLexer.isDigit))
    }

    /// Whether any positional parameter from `$1` on carries a value.
    var positionalsCarryValues: Bool { values.contains("@") || values.contains(Self.allPositionals) }

    /// `name` is assigned `hit`'s value: it carries a value from here on, and the assignment is
    /// reported when the variable is one a shell or another program reads as code, an integer
    /// (arithmetic) or a name reference.
    mutating func assign(_ name: String, _ hit: Hit, attributes: Bool = true) {
        taint(name)
        if ShellScriptScan.isCodeEnvironmentName(name) { report(.environment(name), hit) }
        guard attributes else { return }
        if integers.contains(name) { report(.arithmetic("an assignment to the integer variable `\(name)`"), hit) }
        if references.contains(name) { report(.nameReference(name), hit) }
    }

    /// The positional parameters are set to `arguments`, the first being `$first`: each one that
    /// carries a value makes its parameter a value, and all of them once the positions are unsure.
    mutating func setPositionals(_ arguments: ArraySlice<Argument>, first: Int) {
        var index = first
        var certain = true
        for a in arguments {
            if !a.hits.isEmpty {
                // A value split into several words fills the parameters after its own too.
                taint(certain && !a.fields && index <= 9 ? String(index) : Self.allPositionals)
                if index > 0 {
                    taint("@")
                    taint("*")
                }
            }
            if a.fields { certain = false }
            index += 1
        }
    }

    /// Runs `body` with the positional parameters of a new shell, set to `arguments` from `$first`
    /// on, and the shell's descriptors set to `descriptors`; restores the current ones afterwards.
    /// Nil `arguments` keep the current parameters (`eval`), nil `descriptors` the current descriptors.
    mutating func withShell(
        _ arguments: ArraySlice<Argument>?, first: Int, descriptors: Descriptors?,
        _ body: (inout ShellScriptAnalyzer) -> Void
    ) {
        let savedPersistent = persistent
        if let descriptors { persistent = descriptors }
        defer { persistent = savedPersistent }
        guard let arguments else { return body(&self) }
        let saved = Self.positionalKeys.filter { values.contains($0) }
        for k in Self.positionalKeys { values.remove(k) }
        let mark = tainted.count
        setPositionals(arguments, first: first)
        body(&self)
        for k in Self.positionalKeys { values.remove(k) }
        values.formUnion(saved)
        // The new shell's parameters are gone; its other assignments stay, conservatively.
        var kept = Array(tainted[..<mark])
        for name in tainted[mark...] where !Self.positionalKeys.contains(name) { kept.append(name) }
        tainted = kept
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
            if !pipeline.isEmpty { _ = a.run(pipeline, inherited: a.inherited(compounds.last?.descriptors)) }
            pipeline = []
        }
        func open(_ a: inout ShellScriptAnalyzer, _ redirects: [ShellScriptSyntax.Redirect]?) {
            if !stage.isEmpty { pipeline.append(stage) }
            stage = Stage()
            let base = a.inherited(compounds.last?.descriptors)
            var descriptors = base
            if !pipeline.isEmpty {
                descriptors[0] = Input(kind: .pipe, hit: a.run(pipeline, inherited: base))
            }
            pipeline = []
            // Redirections after the closing `done`, `}`, `)` … feed every command inside.
            a.redirect(redirects ?? [], &descriptors)
            compounds.append(Compound(mark: a.seen.count, descriptors: descriptors))
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
                // `for NAME; do` and `for NAME do`: no word list, the loop goes over "$@".
                if let header = loop, header.state == .afterName {
                    if positionalsCarryValues, let name = header.name { taint(name) }
                    loop = nil
                }
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
                        var first: Hit?
                        for w in header.words {
                            let h = hits(w.references)
                            if first == nil { first = h.first }
                        }
                        if let first, let name = header.name { assign(name, first) }
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
    private mutating func run(_ stages: [Stage], inherited: Descriptors) -> Hit? {
        var upstream: Hit?
        for (n, stage) in stages.enumerated() {
            predeclare(stage.words)
            var assignmentHits: [[Hit]] = []
            for w in stage.assignments { assignmentHits.append(hits(w.references)) }
            var arguments: [Argument] = []
            arguments.reserveCapacity(stage.words.count)
            for w in stage.words { arguments.append(Argument(word: w, hits: hits(w.references))) }
            var descriptors = inherited
            if n > 0 { descriptors[0] = Input(kind: .pipe, hit: upstream) }
            let redirectHit = redirect(stage.redirects, &descriptors)
            if stage.words.count == 1, stage.words[0].literal == "exec" {
                // `exec 3<<EOF`, `exec <file`: the shell's own descriptors from here on.
                persistent = descriptors
            }
            invoke(arguments, descriptors: descriptors)
            for (w, h) in zip(stage.assignments, assignmentHits) {
                guard let name = w.assignment?.name else { continue }
                if let first = h.first { assign(name, first) }
            }
            if upstream == nil {
                for h in assignmentHits where upstream == nil { upstream = h.first }
                for a in arguments where upstream == nil { upstream = a.hits.first }
                upstream = upstream ?? redirectHit ?? stage.compound
            }
        }
        return upstream
    }

    /// What the commands in a compound command read: its descriptors, and the shell's own as
    /// `exec` left them (which may be newer). Where both give a descriptor, the one that carries a
    /// value wins, which errs towards findings.
    private func inherited(_ compound: Descriptors?) -> Descriptors {
        guard let compound else { return persistent }
        return persistent.merging(compound) { shell, own in own.hit == nil && shell.hit != nil ? shell : own }
    }

    /// Applies `redirects` in order to `descriptors`; returns the first value their words expand.
    @discardableResult
    private mutating func redirect(_ redirects: [ShellScriptSyntax.Redirect], _ descriptors: inout Descriptors) -> Hit?
    {
        var first: Hit?
        for r in redirects {
            let read = input(r)
            first = first ?? read.hit
            let fd = Self.slot(r.effectiveDescriptor)
            switch r.kind {
            case .input where read.hit == nil && r.target.flatMap(descriptorPath) != nil:
                // `< /dev/fd/3`, `< /dev/stdin`: another descriptor's input.
                if let path = r.target.flatMap(descriptorPath) { descriptors[fd] = reading(path, descriptors) }
            case .input, .hereString, .heredoc:
                if fd == ShellScriptSyntax.Redirect.namedDescriptor, descriptors[fd]?.hit != nil { continue }
                descriptors[fd] = read
            case .duplicate:
                // `<&3`, `3>&0`: a copy of another descriptor; `<&-` closes.
                if let source = r.target?.literal.flatMap(Int.init) {
                    descriptors[fd] = descriptors[Self.slot(source)]
                } else {
                    descriptors[fd] = nil
                }
            case .file:
                descriptors[fd] = nil
            }
        }
        return first
    }

    /// What a redirection feeds a command (for a `>` file, just the values its target expands).
    private mutating func input(_ r: ShellScriptSyntax.Redirect) -> Input {
        let word: ShellScriptWord
        let kind: Input.Kind
        switch r.kind {
        case .file, .input, .duplicate: (word, kind) = (r.target ?? ShellScriptWord(offset: r.offset), .file)
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
            case .parameter(let name, let offset, _, let evaluation):
                guard isValue(name) else { continue }
                let h = Hit(offset: offset, variable: name, via: .expansion)
                out.append(h)
                seen.append(h)
                switch evaluation {
                case .indirect?: report(.indirect, h)
                case .prompt?: report(.prompt, h)
                case nil: break
                }
            case .substitution(let script, let offset, _):
                let mark = seen.count
                // Assignments in a command substitution stay in its subshell.
                let scope = tainted.count
                let savedPersistent = persistent
                analyze(script)
                persistent = savedPersistent
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
        case .index:
            let h = hits(a.references)
            // An associative array's subscript is a string, expanded once.
            if let array = a.array, associative.contains(array) { return }
            return arithmetic(names: a.names, hits: h, construct: "an array subscript")
        case .substring: construct = "`${V:offset:length}`"
        case .legacy: construct = "`$[ … ]`"
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

    /// `[[ … ]]`: the operands of its integer comparisons are arithmetic expressions in bash, and
    /// the operand of `-v` is a variable name.
    private mutating func test(_ words: [ShellScriptWord]) {
        let wordHits = words.map { hits($0.references) }
        let comparisons: Set<String> = ["-eq", "-ne", "-lt", "-le", "-gt", "-ge"]
        for (k, w) in words.enumerated() {
            guard let op = w.literal else { continue }
            if op == "-v", k + 1 < words.count {
                variableName(Argument(word: words[k + 1], hits: wordHits[k + 1]), construct: "`[[ -v … ]]`")
            }
            guard comparisons.contains(op) else { continue }
            for operand in [k - 1, k + 1] where words.indices.contains(operand) {
                arithmetic(
                    names: words[operand].names(), hits: wordHits[operand], construct: "`[[ … \(op) … ]]`")
            }
        }
    }

    /// An argument that a builtin uses as a variable name, where bash evaluates an array subscript
    /// as arithmetic: a value in it is reported, and so are value variables named in a literal subscript.
    mutating func variableName(_ a: Argument, construct: String) {
        for h in a.hits { report(.variableName(construct), h) }
        guard a.hits.isEmpty, let w = a.word, let open = w.text.firstIndex(of: "[") else { return }
        let close = w.text.lastIndex(of: "]") ?? w.text.count
        guard close > open else { return }
        let end = w.origin(of: close)
        let names = w.names(from: open + 1).filter { $0.offset < end }
        arithmetic(names: names, hits: [], construct: "the array subscript in \(construct)")
    }

    /// Scans literal text that a command will run as shell code (`eval 'a'`, `sh -c 'a'`, a quoted
    /// heredoc fed to `sh`) as a script of its own, the words joined by spaces. A new shell
    /// (`positionals` not nil) gets those positional parameters, from `$first` on; `descriptors`
    /// are the descriptors the code reads, when they are not the shell's own.
    mutating func scanLiteral(
        _ words: [ShellScriptWord], positionals: ArraySlice<Argument>? = nil, first: Int = 0,
        descriptors: Descriptors? = nil
    ) {
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
            withShell(positionals, first: first, descriptors: descriptors) { $0.analyze(script) }
            heredocs = saved
        } catch {
            findings.append(ShellScanFinding(syntax: error, inString: true))
        }
    }
}
