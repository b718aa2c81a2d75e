/// What the analyzer knows about particular commands: which parse an argument or their input as
/// code, which run another command (wrappers), and which assign variables. Builtins are in
/// `ShellScriptAnalyzer+Builtins.swift`, other programs in `ShellScriptAnalyzer+Programs.swift`.
extension ShellScriptAnalyzer {
    /// How many wrappers (`env`, `xargs`, `find -exec`, …) one command may nest before it is
    /// refused; bounds the work on a crafted `find -exec find -exec …`.
    static let maxWrappers = 64

    /// Every command name that `command(_:_:)` knows; others are skipped early.
    static let commands: Set<String> = shells.union(wrappers).union(builtins).union(programs).union([
        "fish", "python", "python2", "python3", "pypy", "pypy3", "perl", "ruby", "node", "nodejs", "php", "awk",
        "gawk", "mawk", "nawk", "original-awk", "sed", "gsed", "lua", "luajit", "Rscript", "R", "osascript", "julia",
        "expect", "bun", "tclsh", "wish",
    ])

    static let shells: Set<String> = [
        "sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "lksh", "pdksh", "ash", "yash", "posh", "rbash",
    ]

    /// Commands that run the command in their arguments.
    static let wrappers: Set<String> = [
        "command", "builtin", "busybox", "nohup", "setsid", "exec", "time", "nice", "stdbuf", "doas", "ionice",
        "timeout", "env", "sudo", "xargs", "find", "ssh", "coproc", "chroot", "unshare", "nsenter", "taskset", "chrt",
        "setpriv", "strace", "ltrace", "fakeroot", "dbus-run-session", "xvfb-run",
    ]

    /// One command to analyze: a slice of the words of the simple command, or of a wrapper's
    /// version of them (`xargs` adds its input items).
    struct Invocation {
        var words: ArraySlice<Argument>
        var descriptors: Descriptors
        /// False where the command runs in another environment (`ssh`), so literal code in it does
        /// not see our variables.
        var scanLiterals = true
        /// What it reads on standard input.
        var input: Input { descriptors[0] ?? Input(kind: .pipe, hit: nil) }
    }

    /// The analysis of one simple command and the commands it wraps.
    struct Walk {
        var queue: [Invocation] = []
        var budget = maxWrappers
        /// Offsets of hits in words where splitting cannot add options (`echo $X`, `sh -c '…' sh $X`).
        var unsplit: Set<Int> = []
        /// Input items that `xargs` splits at blanks into arguments.
        var items: [Hit] = []

        mutating func keep(_ arguments: ArraySlice<Argument>) {
            for a in arguments {
                for h in a.hits { unsplit.insert(h.offset) }
            }
        }
    }

    /// Runs the rules for one simple command and whatever it wraps, then reports values that
    /// word splitting may turn into more arguments.
    mutating func invoke(_ arguments: [Argument], descriptors: Descriptors) {
        var walk = Walk()
        walk.queue.append(Invocation(words: arguments[...], descriptors: descriptors))
        while let next = walk.queue.popLast() { command(next, &walk) }
        let name = arguments.first?.word?.commandName
        for a in arguments.dropFirst() {
            for h in a.splitHits where !walk.unsplit.contains(h.offset) {
                splitFindings.append(ShellScanFinding(rule: .split(name), hit: h))
            }
        }
        for h in walk.items where !walk.unsplit.contains(h.offset) {
            splitFindings.append(ShellScanFinding(rule: .split("xargs"), hit: h))
        }
    }

    /// What a wrapper leaves to analyze: the command it runs, or nothing more.
    enum Step {
        case run(ArraySlice<Argument>)
        case done
    }

    private mutating func command(_ invocation: Invocation, _ walk: inout Walk) {
        var words = invocation.words
        var current = invocation
        while let first = words.first {
            if !first.hits.isEmpty {
                for h in first.hits { report(.commandName, h) }
                return
            }
            guard !first.opaque, let word = first.word else { return }
            guard let name = word.commandName else {
                unknownCommand(words.dropFirst(), input: current.input)
                return
            }
            guard Self.commands.contains(name) || name.hasPrefix("python") else { return }
            let rest = words.dropFirst()
            walk.budget -= 1
            if walk.budget < 0 {
                findings.append(
                    ShellScanFinding(
                        syntax: ShellScriptSyntaxError(
                            offset: word.offset,
                            message: "commands are wrapped more than \(Self.maxWrappers) levels deep"),
                        inString: false))
                return
            }
            current.words = rest
            let step: Step
            if Self.wrappers.contains(name) {
                step = wrapper(name, &current, &walk)
            } else if Self.builtins.contains(name) {
                step = builtin(name, current, &walk)
            } else if Self.programs.contains(name) {
                step = program(name, current, &walk)
            } else if Self.shells.contains(name) {
                shell(name, current, &walk)
                step = .done
            } else if name == "fish" {
                fish(current)
                step = .done
            } else {
                if let interpreter = Interpreter.named(name) { interpret(name, interpreter, current) }
                step = .done
            }
            guard case .run(let next) = step else { return }
            words = next
        }
    }

    /// A command whose name is an expansion (`$CMD`, `"${tool[@]}"`): the program is unknown, so a
    /// value in its arguments or on its standard input may be code.
    private mutating func unknownCommand(_ rest: ArraySlice<Argument>, input: Input) {
        for a in rest {
            for h in a.hits { report(.unknownCommand(input: false), h) }
        }
        if let h = input.hit { report(.unknownCommand(input: true), h) }
    }

    /// The command a wrapper runs.
    private mutating func wrapper(_ name: String, _ c: inout Invocation, _ walk: inout Walk) -> Step {
        let rest = c.words
        switch name {
        case "command":
            let o = options(rest, OptionSpec())
            if o.flags.contains("v") || o.flags.contains("V") { return .done }
            return .run(rest[o.next...])
        case "coproc":
            // coproc NAME { …; }: the lexer sees `NAME {` as words; the commands follow.
            if rest.count >= 2, rest[rest.startIndex + 1].literal == "{" { return .run(rest.dropFirst(2)) }
            return .run(rest)
        case "builtin", "busybox", "dbus-run-session":
            return .run(rest[options(rest, OptionSpec(longArgument: ["--config-file", "--dbus-daemon"])).next...])
        case "nohup", "setsid":
            return .run(rest[options(rest, OptionSpec()).next...])
        case "fakeroot":
            return .run(rest[options(rest, OptionSpec(argument: "lisb", longArgument: ["--lib", "--faked"])).next...])
        case "exec":
            return .run(rest[options(rest, OptionSpec(argument: "a")).next...])
        case "time":
            return .run(
                rest[options(rest, OptionSpec(argument: "fo", longArgument: ["--format", "--output"])).next...])
        case "nice":
            return .run(rest[options(rest, OptionSpec(argument: "n", longArgument: ["--adjustment"])).next...])
        case "stdbuf":
            let spec = OptionSpec(argument: "ioe", longArgument: ["--input", "--output", "--error"])
            return .run(rest[options(rest, spec).next...])
        case "doas":
            return .run(rest[options(rest, OptionSpec(argument: "uC")).next...])
        case "ionice", "taskset", "chrt":
            let o = options(rest, OptionSpec(argument: name == "ionice" ? "cn" : name == "chrt" ? "T" : ""))
            if o.flags.contains("p") || o.flags.contains("P") || o.flags.contains("u") { return .done }
            // taskset MASK COMMAND, chrt PRIORITY COMMAND.
            return .run(rest[min(o.next + (name == "ionice" ? 0 : 1), rest.endIndex)...])
        case "timeout":
            let o = options(rest, OptionSpec(argument: "sk", longArgument: ["--signal", "--kill-after"]))
            return .run(rest[min(o.next + 1, rest.endIndex)...])
        case "chroot":
            let o = options(rest, OptionSpec(longArgument: ["--userspec", "--groups"]))
            return .run(rest[min(o.next + 1, rest.endIndex)...])
        case "unshare", "nsenter", "setpriv":
            let spec = OptionSpec(argument: "SGRwtTaZ", longArgument: ["--setuid", "--setgid", "--target"])
            return .run(rest[options(rest, spec).next...])
        case "strace", "ltrace":
            return .run(rest[options(rest, OptionSpec(argument: "abeEIOoPpSsUuAnlLX")).next...])
        case "xvfb-run":
            return .run(rest[options(rest, OptionSpec(argument: "nsfepwl")).next...])
        case "env", "sudo":
            return environment(name, rest)
        case "xargs":
            guard let next = xargs(rest, input: c.input, &walk) else { return .done }
            c.descriptors[0] = Input(kind: .pipe, hit: nil)
            return .run(next)
        case "find":
            var j = rest.startIndex
            while j < rest.endIndex {
                if let l = rest[j].literal, l == "-exec" || l == "-execdir" || l == "-ok" || l == "-okdir" {
                    var k = j + 1
                    while k < rest.endIndex, rest[k].literal != ";", rest[k].literal != "+" { k += 1 }
                    var wrapped = c
                    wrapped.words = rest[(j + 1)..<k]
                    wrapped.descriptors[0] = Input(kind: .pipe, hit: nil)
                    walk.queue.append(wrapped)
                    j = k
                }
                j += 1
            }
            return .done
        default:
            return ssh(rest, &c)
        }
    }

    /// `env` and `sudo`: options, then `NAME=value` words, then the command.
    private mutating func environment(_ name: String, _ rest: ArraySlice<Argument>) -> Step {
        let spec =
            name == "env"
            ? OptionSpec(argument: "uC", code: "S", longArgument: ["--unset", "--chdir"], longCode: ["--split-string"])
            : OptionSpec(
                argument: "ugChprtUDTRa",
                longArgument: ["--user", "--group", "--host", "--prompt", "--role", "--type", "--chdir"])
        let o = options(rest, spec)
        // `env -S 'cmd args'` splits its string into the command to run.
        for c in o.code {
            for h in c.hits { report(.commandName, h) }
        }
        if !o.code.isEmpty { return .done }
        // NAME=value words, quoted or not: env takes any name (`BASH_FUNC_f%%=…`).
        var j = o.next
        while j < rest.endIndex, let equals = rest[j].prefix.firstIndex(of: "="), equals != rest[j].prefix.startIndex {
            let variable = String(rest[j].prefix[..<equals])
            if let h = rest[j].hits.first, ShellScriptScan.isCodeEnvironmentName(variable) {
                report(.environment(variable), h)
            }
            j += 1
        }
        return .run(rest[j...])
    }

    /// `ssh host command…`: the remote shell parses the joined words.
    private mutating func ssh(_ rest: ArraySlice<Argument>, _ c: inout Invocation) -> Step {
        let o = options(rest, OptionSpec(argument: "BbcDEeFIiJLlmOopQRSWw"))
        sshOptions(rest[..<o.next], "ssh")
        guard o.next < rest.endIndex else { return .done }
        let remote = rest[(o.next + 1)...]
        let hits = remote.flatMap(\.hits)
        for h in hits { report(.ssh, h) }
        if !hits.isEmpty { return .done }
        // The remote side runs the words with our input; its environment is not ours.
        c.scanLiterals = false
        return .run(remote)
    }

    /// `sh -c STRING`, `sh FILE`, or `sh` reading its program from standard input or a descriptor.
    private mutating func shell(_ name: String, _ c: Invocation, _ walk: inout Walk) {
        let rest = c.words
        let o = options(
            rest, OptionSpec(argument: "oO", plus: true, longArgument: [], longFile: ["--rcfile", "--init-file"]))
        for f in o.files { programFile(name, f, c, rule: .scriptFile(name)) }
        let operands = rest[o.next...]
        if o.flags.contains("c") {
            // The words after the string are the new shell's $0, $1, …, never its options.
            walk.keep(operands.dropFirst())
            if let string = operands.first {
                code(
                    string, rule: .shellCommand(name), scanLiteral: c.scanLiterals,
                    positionals: operands.dropFirst(), descriptors: c.descriptors)
            }
            return
        }
        let file = operands.first?.literal
        if o.flags.contains("s") || operands.isEmpty || file == "-" {
            let arguments = o.flags.contains("s") ? operands : operands.dropFirst()
            programInput(name, c.input, shell: c.scanLiterals, positionals: arguments, descriptors: c.descriptors)
        } else if let script = operands.first {
            programFile(name, script, c, rule: .scriptFile(name), positionals: operands.dropFirst())
        }
    }

    /// A script or program file operand: a value in its name, or a descriptor that carries one.
    mutating func programFile(
        _ name: String, _ file: Argument, _ c: Invocation, rule: ShellScanRule,
        positionals: ArraySlice<Argument>? = nil
    ) {
        for h in file.hits { report(rule, h) }
        guard file.hits.isEmpty, let path = descriptorPath(file) else { return }
        var number = 0
        if case .number(let n) = path { number = n }
        let input = reading(path, c.descriptors)
        let isShell = Self.shells.contains(name) || name == "." || name == "source"
        programInput(
            name, input, descriptor: number, shell: isShell && c.scanLiterals, positionals: positionals,
            descriptors: c.descriptors)
    }

    private mutating func fish(_ c: Invocation) {
        let rest = c.words
        let o = options(rest, OptionSpec(code: "cC", plus: true, longCode: ["--command", "--init-command"]))
        for code in o.code { self.code(code, rule: .shellCommand("fish"), scanLiteral: false) }
        if o.code.isEmpty, o.next >= rest.endIndex || rest[o.next].literal == "-" {
            programInput("fish", c.input, shell: false)
        } else if o.code.isEmpty {
            programFile("fish", rest[o.next], c, rule: .scriptFile("fish"))
        }
    }

    private mutating func interpret(_ name: String, _ interpreter: Interpreter, _ c: Invocation) {
        let rest = c.words
        let o = options(rest, interpreter.options)
        for code in o.code { self.code(code, rule: .program(name), scanLiteral: false) }
        for f in o.files {
            if f.literal == "-" {
                programInput(name, c.input, shell: false)
            } else {
                programFile(name, f, c, rule: .programFile(name))
            }
        }
        if !o.code.isEmpty || !o.files.isEmpty || o.flags.contains("m") { return }
        let operands = rest[o.next...]
        if interpreter.programOperand {
            if let program = operands.first { code(program, rule: .program(name), scanLiteral: false) }
            return
        }
        if operands.isEmpty || operands.first?.literal == "-" {
            if interpreter.readsInput { programInput(name, c.input, shell: false) }
        } else if let script = operands.first {
            programFile(name, script, c, rule: .scriptFile(name))
        }
    }

    /// An argument that `rule`'s command parses as code; literal shell code is scanned in turn,
    /// in a new shell when `positionals` (from `$0` on) are given.
    mutating func code(
        _ argument: Argument, rule: ShellScanRule, scanLiteral scan: Bool, positionals: ArraySlice<Argument>? = nil,
        descriptors: Descriptors? = nil
    ) {
        for h in argument.hits { report(rule, h) }
        if scan, argument.literal != nil, let word = argument.word {
            scanLiteral([word], positionals: positionals, descriptors: descriptors)
        }
    }

    /// A program read from standard input (or descriptor `descriptor`): unsafe when the input
    /// carries a value; a literal one is scanned when `shell` runs it, in a new shell with
    /// `positionals` from `$1` on.
    mutating func programInput(
        _ name: String, _ input: Input, descriptor: Int = 0, shell: Bool, positionals: ArraySlice<Argument>? = nil,
        descriptors: Descriptors? = nil
    ) {
        if let h = input.hit {
            report(.input(name, input.kind, descriptor: descriptor), h)
        } else if shell, let literal = input.literal {
            let fresh = name == "." || name == "source" ? nil : positionals ?? []
            scanLiteral([literal], positionals: fresh, first: 1, descriptors: descriptors)
        }
    }

    /// The command `xargs` runs. Its input items become arguments: appended, or put in place of
    /// the `-I` string, so an input that carries a value puts the value in those words.
    private func xargs(_ rest: ArraySlice<Argument>, input: Input, _ walk: inout Walk) -> ArraySlice<Argument>? {
        let spec = OptionSpec(
            argument: "adEILnPs", attached: "eil",
            longArgument: ["--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars"])
        let o = options(rest, spec)
        let command = rest[o.next...]
        guard !command.isEmpty else { return nil }
        guard let hit = input.hit, input.kind != .file, o.arguments["a"] == nil, o.long["--arg-file"] == nil else {
            return command
        }
        let item = Hit(offset: hit.offset, variable: hit.variable, via: .xargs)
        var replace = o.arguments["I"] ?? o.long["--replace"]
        if replace == nil, o.flags.contains("i") { replace = o.arguments["i"] ?? "" }
        if replace == "" { replace = "{}" }
        guard let replace else {
            // Without -0 or -d, items are split at blanks, so one value can be several arguments.
            let whole = o.flags.contains("0") || o.flags.contains("d") || o.long["--null"] != nil
            if !whole { walk.items.append(item) }
            return (Array(command) + [Argument(word: nil, hits: [item])])[...]
        }
        let marker = Array(replace.unicodeScalars)
        return command.map { a in
            var a = a
            if let text = a.word?.text, contains(text, marker) {
                a.hits.append(item)
                a.opaque = true
            }
            return a
        }[...]
    }

    private func contains(_ text: [Unicode.Scalar], _ marker: [Unicode.Scalar]) -> Bool {
        guard !marker.isEmpty, text.count >= marker.count else { return false }
        for start in 0...(text.count - marker.count) where text[start..<(start + marker.count)].elementsEqual(marker) {
            return true
        }
        return false
    }
}
