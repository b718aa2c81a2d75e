/// One place where a script would parse a value as code, or a syntax problem that keeps the
/// script from being checked (then `variable` is nil).
public struct ShellScanFinding: Sendable, Hashable {
    /// Unicode scalars from the start of the script to the `$` of the expansion whose value would
    /// be parsed as code: `$(`, a backtick or `<(` for the output of a command substitution, the
    /// first letter for a variable named without `$` in arithmetic. When the value reaches an
    /// interpreter through a pipe, here-document or `xargs`, it is the expansion that puts the
    /// value there (the `$X` of `echo "$X" | sh`). A syntax problem points at the construct that
    /// is not closed or is too deep.
    public var offset: Int
    /// The value variable involved, when there is one.
    public var variable: String?
    /// What is wrong, in one sentence that names the construct and the variable.
    public var message: String
    /// The safe way to write it.
    public var hint: String

    public init(offset: Int, variable: String?, message: String, hint: String) {
        self.offset = offset
        self.variable = variable
        self.message = message
        self.hint = hint
    }
}

/// Finds the places in a shell step's `run` script where a value that arrives in an environment
/// variable would be parsed as code: `eval "$X"`, `sh -c "… $X"`, `echo "$X" | sh`,
/// `python3 -c "…$X…"`, `. "$X"`, `"$X" args`, `$((X))` and the like. Expanding `"$X"` as an
/// argument is safe; these are the places where the script asks for the text to be parsed.
///
/// The scan is static and conservative: it follows values through assignments, `read`, `for`
/// and command substitutions in source order, and refuses scripts it cannot parse. It is linear
/// in the script's length, and nesting is limited to ``ShellScriptScan/maxNesting`` levels.
public enum ShellScriptScan {
    /// The deepest nesting of `$( … )`, backticks, quotes and `${ … }` that is checked; a deeper
    /// script gets a finding instead.
    public static let maxNesting = ShellScriptLexer.maxDepth

    /// Places in `script` where the value of one of `values` (names of environment variables
    /// that carry data) would be parsed as code, in script order.
    public static func findings(in script: String, values: Set<String>) -> [ShellScanFinding] {
        var lexer = ShellScriptLexer(Array(script.unicodeScalars))
        let syntax: ShellScriptSyntax
        do throws(ShellScriptSyntaxError) {
            syntax = try lexer.parse()
        } catch {
            return [ShellScanFinding(syntax: error, inString: false)]
        }
        var analyzer = ShellScriptAnalyzer(values: values)
        analyzer.heredocs = lexer.heredocs
        analyzer.analyze(syntax)
        var seen: Set<ShellScanFinding> = []
        return analyzer.findings.enumerated()
            .sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }
            .map(\.element)
            .filter { seen.insert($0).inserted }
    }
}

/// The kinds of finding, for their messages and hints.
enum ShellScanRule {
    case eval
    /// `sh -c STRING` and the like; the shell's name.
    case shellCommand(String)
    /// Program text given to an interpreter (`python3 -c`, `awk '…'`, `sed -e`).
    case program(String)
    /// The script file a shell or interpreter runs.
    case scriptFile(String)
    /// A program file option (`awk -f`, `sed -f`).
    case programFile(String)
    /// A shell or interpreter reading its program from standard input.
    case input(String, ShellScriptAnalyzer.Input.Kind)
    /// `.` or `source`.
    case source(String)
    case commandName
    /// The arithmetic construct, as written in the message.
    case arithmetic(String)
    case ssh
    case trap
    case indirect
}

extension ShellScanFinding {
    init(rule: ShellScanRule, hit: ShellScriptAnalyzer.Hit) {
        let v = hit.variable
        let value: String
        switch hit.via {
        case .expansion, .name: value = "the value of `\(v)`"
        case .substitution: value = "the output of a command substitution that expands `\(v)`"
        case .xargs: value = "the input items of `xargs`, which carry the value of `\(v)`"
        }
        let message: String
        let hint: String
        switch rule {
        case .eval:
            message = "`eval` parses its arguments as shell code, and they contain \(value)."
            hint =
                "Run the command directly and pass the value as a quoted argument (cmd \"$\(v)\"); "
                + "to choose between actions, match the value in a `case` statement."
        case .shellCommand(let shell):
            message = "`\(shell) -c` parses its command string as shell code, and the string contains \(value)."
            hint =
                "Keep the command string a single-quoted literal and let the inner shell expand the variable "
                + "itself (\(shell) -c 'cmd \"$\(v)\"'), or pass it as an argument: "
                + "\(shell) -c 'cmd \"$1\"' \(shell) \"$\(v)\"."
        case .program(let tool):
            message = "`\(tool)` runs its program text as code, and the program text contains \(value)."
            hint = Self.programHint(tool, v)
        case .scriptFile(let tool):
            message = "`\(tool)` runs the script file it is given, and the file name contains \(value)."
            hint =
                "Run a fixed script path; if the value must choose between scripts, match it against an "
                + "allow-list in a `case` statement first."
        case .programFile(let tool):
            message = "`\(tool)` reads its program from a file whose name contains \(value)."
            hint =
                "Use a fixed program file; if the value must choose between files, match it against an "
                + "allow-list in a `case` statement first."
        case .input(let tool, let kind):
            let source: String
            switch kind {
            case .heredoc: source = "a here-document that contains \(value)"
            case .hereString: source = "a here-string that contains \(value)"
            case .pipe: source = "a pipe fed with \(value)"
            case .file: source = "a file whose name contains \(value)"
            }
            message = "`\(tool)` reads its program from standard input, which is \(source)."
            hint =
                "Don't feed values to an interpreter's program: pass the value as an argument or environment "
                + "variable to a fixed program, and quote the here-document delimiter (<<'EOF') to keep its "
                + "body literal."
        case .source(let command):
            message = "`\(command)` runs the file it is given, and the file name contains \(value)."
            hint =
                "Source a fixed path; if the value must choose between files, match it against an allow-list "
                + "in a `case` statement first."
        case .commandName:
            message = "The command name contains \(value), so the value chooses the program that runs."
            hint =
                "Use a fixed command name and pass the value as an argument; to choose between programs, "
                + "match the value in a `case` statement."
        case .arithmetic(let construct):
            let what = hit.via == .name ? "the variable `\(v)`, whose value it evaluates in turn," : value
            message =
                "\(construct) evaluates \(what) as an arithmetic expression, where bash runs the command "
                + "substitutions in array subscripts such as a[$(cmd)]."
            hint =
                "Check that the value is a plain integer first — case $\(v) in ''|*[!0-9]*) exit 1;; esac — "
                + "or compare with [ \"$\(v)\" -eq N ], which accepts only integers."
        case .ssh:
            message =
                "`ssh` joins its command words into a string that the remote shell parses as code, "
                + "and they contain \(value)."
            hint =
                "Quote the value for the remote shell first (printf -v q '%q' \"$\(v)\" in bash), "
                + "or send it on the remote command's standard input."
        case .trap:
            message = "`trap` parses its action as shell code, and the action contains \(value)."
            hint = "Put the handler in a function, name the function in `trap`, and read $\(v) inside it."
        case .indirect:
            message =
                "`${!\(v)}` uses \(value) as a variable name, and bash evaluates array subscripts in it as "
                + "arithmetic, running their command substitutions."
            hint =
                "Check that the value is a plain variable name first — "
                + "case $\(v) in ''|*[!A-Za-z0-9_]*) exit 1;; esac."
        }
        self.init(offset: hit.offset, variable: v, message: message, hint: hint)
    }

    private static func programHint(_ tool: String, _ v: String) -> String {
        let reads: String
        switch tool {
        case _ where tool.hasPrefix("python") || tool.hasPrefix("pypy"):
            reads = "os.environ['\(v)'] or sys.argv (\(tool) -c '…' \"$\(v)\")"
        case "perl": reads = "$ENV{\(v)} or @ARGV"
        case "ruby": reads = "ENV['\(v)'] or ARGV"
        case "node", "nodejs": reads = "process.env.\(v) or process.argv"
        case "php": reads = "getenv('\(v)') or $argv"
        case "sed", "gsed":
            return
                "Don't put values in a sed script: edit with a tool that takes the value as data, "
                + "such as awk -v v=\"$\(v)\" '…' or a parameter expansion like ${line//old/new}."
        default: reads = "-v v=\"$\(v)\" or ENVIRON[\"\(v)\"]"
        }
        return "Keep the program a single-quoted literal and read the value at run time: \(reads)."
    }

    init(syntax error: ShellScriptSyntaxError, inString: Bool) {
        let subject = inString ? "The shell code in this string" : "The script"
        self.init(
            offset: error.offset, variable: nil,
            message: "\(subject) cannot be checked for values parsed as code: \(error.message).",
            hint:
                "Fix the syntax (or simplify the nesting); a script that cannot be parsed cannot be shown to "
                + "keep its values out of code.")
    }
}
