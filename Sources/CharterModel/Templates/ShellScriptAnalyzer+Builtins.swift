/// Shell builtins that parse a value as code, evaluate it as a variable name, or assign it.
extension ShellScriptAnalyzer {
    static let builtins: Set<String> = [
        "eval", ".", "source", "trap", "let", "declare", "typeset", "local", "export", "readonly", "read", "mapfile",
        "readarray", "printf", "echo", ":", "true", "false", "set", "shift", "getopts", "alias", "test", "[", "unset",
        "compgen", "enable", "hash",
    ]

    mutating func builtin(_ name: String, _ c: Invocation, _ walk: inout Walk) -> Step {
        let rest = c.words
        switch name {
        case "eval":
            for a in rest {
                for h in a.hits { report(.eval, h) }
            }
            if c.scanLiterals, !rest.isEmpty, rest.allSatisfy({ $0.literal != nil }) {
                scanLiteral(rest.compactMap(\.word), descriptors: c.descriptors)
            }
        case ".", "source":
            if let file = rest.first?.literal == "--" ? rest.dropFirst().first : rest.first {
                programFile(name, file, c, rule: .source(name))
            }
        case "trap":
            let o = options(rest, OptionSpec())
            if o.flags.contains("l") || o.flags.contains("p") || o.next >= rest.endIndex { return .done }
            code(rest[o.next], rule: .trap, scanLiteral: c.scanLiterals)
        case "let":
            for a in rest {
                arithmetic(names: a.word?.names() ?? [], hits: a.hits, construct: "`let`")
            }
        case "declare", "typeset", "local", "export", "readonly":
            declare(name, rest, &walk)
        case "read":
            read(c)
        case "mapfile", "readarray":
            let o = options(rest, OptionSpec(argument: "dnOsuc", code: "C"))
            for callback in o.code { code(callback, rule: .callback(name), scanLiteral: c.scanLiterals) }
            let array = o.next < rest.endIndex ? rest[o.next] : nil
            if let array { variableName(array, construct: "`\(name)`") }
            let input = descriptorInput(o.arguments["u"], c)
            if let h = input.hit, input.kind != .file { assign(array?.literal ?? "MAPFILE", h) }
        case "printf":
            let o = options(rest, OptionSpec(argument: "v"))
            let operands = rest[o.next...]
            // The arguments after the format are never options.
            walk.keep(operands.dropFirst())
            if let target = o.words["v"] { variableName(target, construct: "`printf -v`") }
            if let variable = o.arguments["v"], let h = operands.lazy.flatMap(\.hits).first { assign(variable, h) }
        case "echo", ":", "true", "false":
            walk.keep(rest)
        case "set":
            positionals(rest, &walk)
        case "shift":
            // Which parameter moves where is not followed: all of them may carry a value now.
            if positionalsCarryValues { taint(Self.allPositionals) }
        case "getopts":
            guard rest.count >= 2, let variable = rest[rest.startIndex + 1].literal else { return .done }
            let arguments = rest.dropFirst(2)
            if arguments.isEmpty ? positionalsCarryValues : arguments.contains(where: { !$0.hits.isEmpty }) {
                taint(variable)
                taint("OPTARG")
            }
        case "alias":
            for a in rest[options(rest, OptionSpec()).next...] {
                for h in a.hits { report(.alias, h) }
                guard a.hits.isEmpty, let w = a.word, let equals = w.text.firstIndex(of: "=") else { continue }
                scanLiteral([w.suffix(from: equals + 1)])
            }
        case "test", "[":
            var operands = rest
            if name == "[", operands.last?.literal == "]" { operands = operands.dropLast() }
            for j in operands.indices where operands[j].literal == "-v" && j + 1 < operands.endIndex {
                variableName(operands[j + 1], construct: name == "[" ? "`[ -v … ]`" : "`test -v`")
            }
        case "unset":
            let o = options(rest, OptionSpec())
            if o.flags.contains("f") { return .done }
            for a in rest[o.next...] { variableName(a, construct: "`unset`") }
        case "compgen":
            let o = options(rest, OptionSpec(argument: "AGPSXoFWC"))
            if let words = o.words["W"] { code(words, rule: .compgen("-W"), scanLiteral: c.scanLiterals) }
            if let command = o.words["C"] { code(command, rule: .compgen("-C"), scanLiteral: c.scanLiterals) }
            for h in o.words["F"]?.hits ?? [] { report(.commandName, h) }
        case "enable":
            for h in options(rest, OptionSpec(argument: "f")).words["f"]?.hits ?? [] { report(.source("enable -f"), h) }
        default:
            // hash -p FILE NAME: NAME runs FILE from now on.
            for h in options(rest, OptionSpec(argument: "p")).words["p"]?.hits ?? [] { report(.commandName, h) }
        }
        return .done
    }

    /// What `read -u N` and `mapfile -u N` read: descriptor N, else standard input.
    private func descriptorInput(_ number: String?, _ c: Invocation) -> Input {
        guard let number, let n = Int(number) else { return c.input }
        return c.descriptors[Self.slot(n)] ?? Input(kind: .pipe, hit: nil)
    }

    /// `read NAME…`: the names are variable names; they carry a value when the input does.
    private mutating func read(_ c: Invocation) {
        let rest = c.words
        let o = options(rest, OptionSpec(argument: "adinNptu"))
        let operands = rest[o.next...]
        for a in operands { variableName(a, construct: "`read`") }
        if let array = o.words["a"] { variableName(array, construct: "`read -a`") }
        let input = descriptorInput(o.arguments["u"], c)
        guard let h = input.hit, input.kind != .file else { return }
        var names = operands.compactMap(\.literal)
        if let array = o.arguments["a"] { names.append(array) }
        if names.isEmpty, operands.isEmpty { names = ["REPLY"] }
        for n in names { assign(n, h) }
    }

    /// `set -- ARGS`, `set ARGS`: the positional parameters.
    private mutating func positionals(_ rest: ArraySlice<Argument>, _ walk: inout Walk) {
        let o = options(rest, OptionSpec(argument: "o", plus: true))
        var operands = rest[o.next...]
        var explicit = o.next > rest.startIndex && rest[o.next - 1].literal == "--"
        if !explicit, operands.first?.literal == "-" {
            operands = operands.dropFirst()
            explicit = true
        }
        guard explicit || !operands.isEmpty else { return }
        setPositionals(operands, first: 1)
        // After `--` the words are parameters, not options.
        if explicit { walk.keep(operands) }
    }

    /// `declare` and friends: each argument is a name or `NAME=value`. A value in the name is
    /// evaluated as a name; `-i` makes values arithmetic and `-n` makes them names.
    private mutating func declare(_ name: String, _ rest: ArraySlice<Argument>, _ walk: inout Walk) {
        let o = options(rest, OptionSpec(plus: true))
        if o.flags.contains("f") || o.flags.contains("F") { return }
        let attributes = name == "declare" || name == "typeset" || name == "local"
        let integer = attributes && o.flags.contains("i")
        let reference = attributes && o.flags.contains("n")
        let construct = "`\(name)`"
        for a in rest[o.next...] {
            guard let w = a.word else { continue }
            let variable: String
            let valueStart: Int
            if let assignment = w.assignment {
                (variable, valueStart) = assignment
                // Bash does not split the assignments given to declaration builtins.
                walk.keep([a])
            } else if let equals = w.prefix.unicodeScalars.firstIndex(of: "=") {
                // A quoted "NAME=value": the name is the literal text before the `=`.
                let head = w.prefix.unicodeScalars[..<equals]
                variable = String(String.UnicodeScalarView(head.prefix { $0 != "[" && $0 != "+" }))
                valueStart = head.count + 1
            } else {
                variableName(a, construct: construct)
                guard a.hits.isEmpty, let literal = a.literal else { continue }
                (variable, valueStart) = (literal, w.text.count)
            }
            if integer { integers.insert(variable) }
            if reference { references.insert(variable) }
            if integers.contains(variable) {
                let what = integer ? "`\(name) -i`" : "an assignment to the integer variable `\(variable)`"
                arithmetic(names: w.names(from: valueStart), hits: a.hits, construct: what)
            }
            if references.contains(variable) {
                for h in a.hits { report(.nameReference(variable), h) }
            }
            if let h = a.hits.first { assign(variable, h, attributes: false) }
        }
    }

    /// Before the words of `declare -A m=([k]=v)` are analyzed: `m` is associative, so its
    /// subscripts are strings.
    mutating func predeclare(_ words: [ShellScriptWord]) {
        guard let first = words.first?.literal, first == "declare" || first == "typeset" || first == "local" else {
            return
        }
        var associativeFlag = false
        for w in words.dropFirst() {
            if let literal = w.literal, literal.hasPrefix("-") {
                if literal.dropFirst().contains("A") { associativeFlag = true }
                continue
            }
            guard associativeFlag else { return }
            if let name = w.assignment?.name ?? w.literal { associative.insert(name) }
        }
    }
}
