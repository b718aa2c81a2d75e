/// What the analyzer knows about particular commands: which parse an argument or their input as
/// code, which run another command (wrappers), and which assign variables.
extension ShellScriptAnalyzer {
    /// How many wrappers (`env`, `xargs`, `find -exec`, …) one command may nest before it is
    /// refused; bounds the work on a crafted `find -exec find -exec …`.
    static let maxWrappers = 64

    /// Every command name that `command(_:input:queue:budget:)` knows; others are skipped early.
    static let commands: Set<String> = shells.union([
        "command", "builtin", "busybox", "nohup", "setsid", "exec", "time", "nice", "stdbuf", "doas", "ionice",
        "timeout", "env", "sudo", "xargs", "find", "ssh", "eval", ".", "source", "trap", "let", "declare", "typeset",
        "local", "export", "readonly", "read", "mapfile", "readarray", "printf", "fish", "python", "python2",
        "python3", "pypy", "pypy3", "perl", "ruby", "node", "nodejs", "php", "awk", "gawk", "mawk", "nawk",
        "original-awk", "sed", "gsed",
    ])

    static let shells: Set<String> = [
        "sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "lksh", "pdksh", "ash", "yash", "posh", "rbash",
    ]

    /// Interpreters other than shells: how their options are read and where their program comes from.
    struct Interpreter {
        var options: OptionSpec
        /// awk and sed: the first operand is the program text unless an option gave it.
        var programOperand = false
        /// Reads its program from standard input when none is given.
        var readsInput = true

        static func named(_ name: String) -> Interpreter? {
            switch name {
            case "python", "python2", "python3", "pypy", "pypy3":
                return Interpreter(options: OptionSpec(argument: "mWX", code: "c", stop: "cm"))
            case _ where name.hasPrefix("python3.") || name.hasPrefix("python2."):
                return Interpreter(options: OptionSpec(argument: "mWX", code: "c", stop: "cm"))
            case "perl":
                return Interpreter(options: OptionSpec(attached: "IMmil0xdDCFV", code: "eE"))
            case "ruby":
                return Interpreter(options: OptionSpec(argument: "IrCE", attached: "xKTW0Fi", code: "e"))
            case "node", "nodejs":
                return Interpreter(
                    options: OptionSpec(
                        argument: "rC", code: "ep",
                        longArgument: ["--require", "--import", "--loader", "--experimental-loader", "--input-type"],
                        longCode: ["--eval", "--print"]))
            case "php":
                return Interpreter(options: OptionSpec(argument: "cdz", code: "rBRE", file: "fF"))
            case "awk", "gawk", "mawk", "nawk", "original-awk":
                return Interpreter(
                    options: OptionSpec(
                        argument: "FvW", code: "e", file: "fEil", longArgument: ["--field-separator", "--assign"],
                        longCode: ["--source"], longFile: ["--file", "--include", "--load", "--exec"]),
                    programOperand: true, readsInput: false)
            case "sed", "gsed":
                return Interpreter(
                    options: OptionSpec(
                        argument: "l", attached: "i", code: "e", file: "f", longArgument: ["--line-length"],
                        longCode: ["--expression"], longFile: ["--file"]),
                    programOperand: true, readsInput: false)
            default:
                return nil
            }
        }
    }

    /// How a command's options are read: which short options take an argument (attached, as in
    /// `-e'…'`, or the next word), and which arguments are program text or a program file.
    struct OptionSpec {
        var argument = ""
        /// Options whose argument, if any, can only be attached (`sed -i.bak`).
        var attached = ""
        var code = ""
        var file = ""
        /// Options after which the rest are operands (`python -c`, `python -m`).
        var stop = ""
        /// `+o` style options (shells, declare).
        var plus = false
        var longArgument: Set<String> = []
        var longCode: Set<String> = []
        var longFile: Set<String> = []
    }

    struct Options {
        /// Index of the first operand.
        var next: Int
        var flags: Set<Character> = []
        var arguments: [Character: String] = [:]
        var long: [String: String] = [:]
        var code: [Argument] = []
        var files: [Argument] = []
        var stopped = false
    }

    func options(_ words: ArraySlice<Argument>, _ spec: OptionSpec) -> Options {
        var o = Options(next: words.startIndex)
        var j = words.startIndex
        while j < words.endIndex {
            let w = words[j]
            let p = Array(w.prefix)
            guard p.count >= 2, p[0] == "-" || (spec.plus && p[0] == "+") else { break }
            if w.literal == "--" {
                j += 1
                break
            }
            if p[0] == "-", p[1] == "-" {
                let name = String(p.prefix { $0 != "=" })
                let attached = p.contains("=") || w.literal == nil
                var argument: Argument? = attached ? w : nil
                let takes =
                    spec.longCode.contains(name) || spec.longFile.contains(name) || spec.longArgument.contains(name)
                if takes, !attached, j + 1 < words.endIndex {
                    j += 1
                    argument = words[j]
                }
                if let argument {
                    if spec.longCode.contains(name) { o.code.append(argument) }
                    if spec.longFile.contains(name) { o.files.append(argument) }
                }
                o.long[name] = attached ? String(p.drop { $0 != "=" }.dropFirst()) : argument?.literal ?? ""
                j += 1
                continue
            }
            var k = 1
            while k < p.count {
                let c = p[k]
                if p[0] == "-" { o.flags.insert(c) }
                if spec.argument.contains(c) || spec.code.contains(c) || spec.file.contains(c) {
                    let attached = k + 1 < p.count || w.literal == nil
                    var argument: Argument? = w
                    if attached {
                        o.arguments[c] = w.literal == nil ? nil : String(p[(k + 1)...])
                    } else if j + 1 < words.endIndex {
                        j += 1
                        argument = words[j]
                        o.arguments[c] = argument?.literal
                    } else {
                        argument = nil
                    }
                    if let argument, spec.code.contains(c) { o.code.append(argument) }
                    if let argument, spec.file.contains(c) { o.files.append(argument) }
                    if spec.stop.contains(c) { o.stopped = true }
                    break
                }
                if spec.attached.contains(c) {
                    o.arguments[c] = String(p[(k + 1)...])
                    break
                }
                if spec.stop.contains(c) { o.stopped = true }
                k += 1
            }
            j += 1
            if o.stopped { break }
        }
        o.next = j
        return o
    }

    /// Runs the rules for one simple command and whatever it wraps.
    mutating func invoke(_ arguments: [Argument], input: Input) {
        var queue: [(ArraySlice<Argument>, Input)] = [(arguments[...], input)]
        var budget = Self.maxWrappers
        while let (words, input) = queue.popLast() {
            command(words, input: input, queue: &queue, budget: &budget)
        }
    }

    private mutating func command(
        _ words: ArraySlice<Argument>, input: Input, queue: inout [(ArraySlice<Argument>, Input)], budget: inout Int
    ) {
        var words = words
        var input = input
        var scanLiterals = true
        while let first = words.first {
            if !first.hits.isEmpty {
                for h in first.hits { report(.commandName, h) }
                return
            }
            guard !first.opaque, let name = first.word?.commandName,
                Self.commands.contains(name) || name.hasPrefix("python")
            else { return }
            let rest = words.dropFirst()
            budget -= 1
            if budget < 0 {
                findings.append(
                    ShellScanFinding(
                        syntax: ShellScriptSyntaxError(
                            offset: first.word?.offset ?? 0,
                            message: "commands are wrapped more than \(Self.maxWrappers) levels deep"),
                        inString: false))
                return
            }
            switch name {
            case "command":
                let o = options(rest, OptionSpec())
                if o.flags.contains("v") || o.flags.contains("V") { return }
                words = rest[o.next...]
            case "builtin", "busybox":
                words = rest
            case "nohup", "setsid":
                words = rest[options(rest, OptionSpec()).next...]
            case "exec":
                words = rest[options(rest, OptionSpec(argument: "a")).next...]
            case "time":
                words = rest[options(rest, OptionSpec(argument: "fo", longArgument: ["--format", "--output"])).next...]
            case "nice":
                words = rest[options(rest, OptionSpec(argument: "n", longArgument: ["--adjustment"])).next...]
            case "stdbuf":
                let spec = OptionSpec(argument: "ioe", longArgument: ["--input", "--output", "--error"])
                words = rest[options(rest, spec).next...]
            case "doas":
                words = rest[options(rest, OptionSpec(argument: "uC")).next...]
            case "ionice":
                let o = options(rest, OptionSpec(argument: "cn"))
                if o.flags.contains("p") || o.flags.contains("P") || o.flags.contains("u") { return }
                words = rest[o.next...]
            case "timeout":
                let o = options(rest, OptionSpec(argument: "sk", longArgument: ["--signal", "--kill-after"]))
                words = rest[min(o.next + 1, rest.endIndex)...]
            case "env", "sudo":
                let spec =
                    name == "env"
                    ? OptionSpec(
                        argument: "uC", code: "S", longArgument: ["--unset", "--chdir"], longCode: ["--split-string"])
                    : OptionSpec(
                        argument: "ugChprtUDTRa",
                        longArgument: ["--user", "--group", "--host", "--prompt", "--role", "--type", "--chdir"])
                let o = options(rest, spec)
                // `env -S 'cmd args'` splits its string into the command to run.
                for c in o.code {
                    for h in c.hits { report(.commandName, h) }
                }
                if !o.code.isEmpty { return }
                var j = o.next
                while j < rest.endIndex, let a = rest[j].word?.assignment, a.name != "" { j += 1 }
                words = rest[j...]
            case "xargs":
                guard let next = xargs(rest, input: input) else { return }
                words = next
                input = Input(kind: .pipe, hit: nil)
            case "find":
                var j = rest.startIndex
                while j < rest.endIndex {
                    if let l = rest[j].literal, l == "-exec" || l == "-execdir" || l == "-ok" || l == "-okdir" {
                        var k = j + 1
                        while k < rest.endIndex, rest[k].literal != ";", rest[k].literal != "+" { k += 1 }
                        queue.append((rest[(j + 1)..<k], Input(kind: .pipe, hit: nil)))
                        j = k
                    }
                    j += 1
                }
                return
            case "ssh":
                let o = options(rest, OptionSpec(argument: "BbcDEeFIiJLlmOopQRSWw"))
                guard o.next < rest.endIndex else { return }
                let remote = rest[(o.next + 1)...]
                let hits = remote.flatMap(\.hits)
                for h in hits { report(.ssh, h) }
                if !hits.isEmpty { return }
                // The remote side runs the words with our input; its environment is not ours.
                scanLiterals = false
                words = remote
            case "eval":
                for a in rest {
                    for h in a.hits { report(.eval, h) }
                }
                if scanLiterals, !rest.isEmpty, rest.allSatisfy({ $0.literal != nil }) {
                    scanLiteral(rest.compactMap(\.word))
                }
                return
            case ".", "source":
                let file = rest.first?.literal == "--" ? rest.dropFirst().first : rest.first
                for h in file?.hits ?? [] { report(.source(name), h) }
                return
            case "trap":
                let o = options(rest, OptionSpec())
                if o.flags.contains("l") || o.flags.contains("p") || o.next >= rest.endIndex { return }
                code(rest[o.next], rule: .trap, scanLiteral: scanLiterals)
                return
            case "let":
                for a in rest {
                    arithmetic(names: a.word?.names() ?? [], hits: a.hits, construct: "`let`")
                }
                return
            case "declare", "typeset", "local", "export", "readonly":
                declare(name, rest)
                return
            case "read":
                let o = options(rest, OptionSpec(argument: "adinNptu"))
                guard input.hit != nil, input.kind != .file else { return }
                var names = rest[o.next...].compactMap(\.literal)
                if let array = o.arguments["a"] { names.append(array) }
                if names.isEmpty { names = ["REPLY"] }
                for n in names { taint(n) }
                return
            case "mapfile", "readarray":
                let o = options(rest, OptionSpec(argument: "dnOsuCc"))
                if input.hit != nil, input.kind != .file {
                    taint(o.next < rest.endIndex ? rest[o.next].literal ?? "" : "MAPFILE")
                }
                return
            case "printf":
                if rest.first?.literal == "-v", rest.count >= 2, let variable = rest.dropFirst().first?.literal,
                    rest.dropFirst(2).contains(where: { !$0.hits.isEmpty })
                {
                    taint(variable)
                }
                return
            case "fish":
                let o = options(
                    rest, OptionSpec(code: "cC", plus: true, longCode: ["--command", "--init-command"]))
                for c in o.code { code(c, rule: .shellCommand(name), scanLiteral: false) }
                if o.code.isEmpty, o.next >= rest.endIndex || rest[o.next].literal == "-" {
                    programInput(name, input, shell: false)
                }
                return
            case _ where Self.shells.contains(name):
                shell(name, rest, input: input, scanLiterals: scanLiterals)
                return
            default:
                if let interpreter = Interpreter.named(name) { interpret(name, interpreter, rest, input: input) }
                return
            }
        }
    }

    /// `sh -c STRING`, `sh FILE`, or `sh` reading its program from standard input.
    private mutating func shell(_ name: String, _ rest: ArraySlice<Argument>, input: Input, scanLiterals: Bool) {
        let o = options(rest, OptionSpec(argument: "oO", plus: true, longArgument: ["--rcfile", "--init-file"]))
        let operands = rest[o.next...]
        if o.flags.contains("c") {
            if let string = operands.first { code(string, rule: .shellCommand(name), scanLiteral: scanLiterals) }
            return
        }
        let file = operands.first?.literal
        if o.flags.contains("s") || operands.isEmpty || file == "-" || file == "/dev/stdin" {
            programInput(name, input, shell: scanLiterals)
        } else if let script = operands.first {
            for h in script.hits { report(.scriptFile(name), h) }
        }
    }

    private mutating func interpret(
        _ name: String, _ interpreter: Interpreter, _ rest: ArraySlice<Argument>, input: Input
    ) {
        let o = options(rest, interpreter.options)
        for c in o.code { code(c, rule: .program(name), scanLiteral: false) }
        for f in o.files {
            if f.literal == "-" || f.literal == "/dev/stdin" {
                programInput(name, input, shell: false)
            } else {
                for h in f.hits { report(.programFile(name), h) }
            }
        }
        if !o.code.isEmpty || !o.files.isEmpty || o.flags.contains("m") { return }
        let operands = rest[o.next...]
        if interpreter.programOperand {
            if let program = operands.first { code(program, rule: .program(name), scanLiteral: false) }
            return
        }
        let file = operands.first?.literal
        if operands.isEmpty || file == "-" || file == "/dev/stdin" {
            if interpreter.readsInput { programInput(name, input, shell: false) }
        } else if let script = operands.first {
            for h in script.hits { report(.scriptFile(name), h) }
        }
    }

    /// An argument that `rule`'s command parses as code; literal shell code is scanned in turn.
    private mutating func code(_ argument: Argument, rule: ShellScanRule, scanLiteral scan: Bool) {
        for h in argument.hits { report(rule, h) }
        if scan, argument.literal != nil, let word = argument.word { scanLiteral([word]) }
    }

    /// A program read from standard input: unsafe when the input carries a value.
    private mutating func programInput(_ name: String, _ input: Input, shell: Bool) {
        if let h = input.hit {
            report(.input(name, input.kind), h)
        } else if shell, let literal = input.literal {
            scanLiteral([literal])
        }
    }

    /// `declare` and friends assign, and with `-i` the values are arithmetic.
    private mutating func declare(_ name: String, _ rest: ArraySlice<Argument>) {
        let o = options(rest, OptionSpec(plus: true))
        let integer = o.flags.contains("i")
        for a in rest[o.next...] {
            guard let w = a.word, let assignment = w.assignment else { continue }
            if !a.hits.isEmpty { taint(assignment.name) }
            if integer {
                arithmetic(names: w.names(from: assignment.valueStart), hits: a.hits, construct: "`\(name) -i`")
            }
        }
    }

    /// The command `xargs` runs. Its input items become arguments: appended, or put in place of
    /// the `-I` string, so an input that carries a value puts the value in those words.
    private func xargs(_ rest: ArraySlice<Argument>, input: Input) -> ArraySlice<Argument>? {
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
