/// How the analyzer reads a command's options, and the interpreters it knows.
extension ShellScriptAnalyzer {
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
            case "lua", "luajit", "Rscript", "R", "osascript":
                return Interpreter(options: OptionSpec(argument: "l", code: "e"))
            case "julia":
                return Interpreter(options: OptionSpec(argument: "CJp", code: "eE", file: "L", longCode: ["--eval"]))
            case "expect":
                return Interpreter(options: OptionSpec(argument: "D", code: "c", file: "f"))
            case "bun":
                return Interpreter(options: OptionSpec(code: "ep", longCode: ["--eval", "--print"]), readsInput: false)
            case "tclsh", "wish":
                return Interpreter(options: OptionSpec())
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
        /// The literal arguments of short options (nil when not literal).
        var arguments: [Character: String] = [:]
        /// The words of short options' arguments.
        var words: [Character: Argument] = [:]
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
                    o.words[c] = argument
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

    /// Options of a command that takes them anywhere among its operands (GNU getopt's
    /// permutation, as util-linux `script` and `su` do): the words of its code options and the
    /// operands, in order. Reading stops at `--`.
    func permutedOptions(
        _ words: ArraySlice<Argument>, _ spec: OptionSpec
    ) -> (options: Options, operands: [ArraySlice<Argument>.Index]) {
        var all = Options(next: words.endIndex)
        var operands: [ArraySlice<Argument>.Index] = []
        var j = words.startIndex
        while j < words.endIndex {
            if words[j].literal == "--" {
                operands += Array((j + 1)..<words.endIndex)
                break
            }
            let o = options(words[j...], spec)
            if o.next == j {
                operands.append(j)
                j += 1
                continue
            }
            all.flags.formUnion(o.flags)
            all.arguments.merge(o.arguments) { _, new in new }
            all.words.merge(o.words) { _, new in new }
            all.long.merge(o.long) { _, new in new }
            all.code += o.code
            all.files += o.files
            // Stop after the options, which `options` reads up to the first operand.
            if o.next < words.endIndex, words[o.next - 1].literal == "--" {
                operands += Array(o.next..<words.endIndex)
                break
            }
            j = o.next
        }
        return (all, operands)
    }

    /// Where a program file operand reads from when it names a descriptor: `/dev/stdin`,
    /// `/dev/fd/N`, `/proc/self/fd/N`. `any` is such a path whose number is not literal.
    enum DescriptorPath {
        case number(Int)
        case any
    }

    func descriptorPath(_ a: Argument) -> DescriptorPath? {
        guard let word = a.word, !a.opaque else { return nil }
        return descriptorPath(word)
    }

    func descriptorPath(_ word: ShellScriptWord) -> DescriptorPath? {
        let text = ShellScriptWord.string(word.text[...])
        if let literal = word.literal {
            if literal == "/dev/stdin" { return .number(0) }
            for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"] where literal.hasPrefix(prefix) {
                return Int(literal.dropFirst(prefix.count)).map(DescriptorPath.number) ?? .any
            }
            return literal.hasPrefix("/proc/") && literal.contains("/fd/") ? .any : nil
        }
        return text.hasPrefix("/dev/fd/") || (text.hasPrefix("/proc/") && text.contains("fd/")) ? .any : nil
    }

    /// What a command reads through `path`: the descriptor's input, or for `any` the first
    /// descriptor that carries a value.
    func reading(_ path: DescriptorPath, _ descriptors: Descriptors) -> Input {
        let slot = Self.slot
        switch path {
        case .number(let n):
            return descriptors[slot(n)] ?? Input(kind: .pipe, hit: nil)
        case .any:
            for key in descriptors.keys.sorted() {
                if let input = descriptors[key], input.hit != nil { return input }
            }
            return Input(kind: .pipe, hit: nil)
        }
    }
}
