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
    /// A shell or interpreter reading its program from standard input, or another descriptor.
    case input(String, ShellScriptAnalyzer.Input.Kind, descriptor: Int)
    /// `.` or `source`.
    case source(String)
    case commandName
    /// The arithmetic construct, as written in the message.
    case arithmetic(String)
    case ssh
    case trap
    case indirect
    /// `${V@P}`.
    case prompt
    /// A value used as a variable name by the construct (`printf -v`, `read`, `test -v`, …).
    case variableName(String)
    /// A value assigned to this name reference.
    case nameReference(String)
    /// `mapfile -C`: the command's name.
    case callback(String)
    case alias
    /// A value assigned to this variable, which programs read as code.
    case environment(String)
    /// A command whose name is an expansion; whether the value is on its standard input.
    case unknownCommand(input: Bool)
    /// A program that hands a command string to a shell (`flock -c`, `watch`).
    case commandString(String)
    /// An unquoted expansion in a command's arguments; the command's name when it is literal.
    case split(String?)
    /// `compgen -W` or `compgen -C`.
    case compgen(String)
    /// An option or subcommand that runs its argument as a command or code (`git rebase -x`,
    /// `tar --to-command`, `ssh -o ProxyCommand`), or loads the file it names.
    case commandOption(String)
    /// A git setting that names a command; nil when the value is in the setting's name.
    case gitSetting(String?)
}

extension ShellScanFinding {
    init(rule: ShellScanRule, hit: ShellScriptAnalyzer.Hit) {
        let v = hit.variable
        // A positional parameter is named as it is written: `$1`, `$@`.
        let name = v.unicodeScalars.allSatisfy { $0 == "@" || $0 == "*" || ("0"..."9").contains($0) } ? "$\(v)" : v
        let value: String
        switch hit.via {
        case .expansion, .name: value = "the value of `\(name)`"
        case .substitution: value = "the output of a command substitution that expands `\(name)`"
        case .xargs: value = "the input items of `xargs`, which carry the value of `\(name)`"
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
        case .input(let tool, let kind, let descriptor):
            let source: String
            switch kind {
            case .heredoc: source = "a here-document that contains \(value)"
            case .hereString: source = "a here-string that contains \(value)"
            case .pipe: source = "a pipe fed with \(value)"
            case .file: source = "a file whose name contains \(value)"
            }
            let stream = descriptor == 0 ? "standard input" : "descriptor \(descriptor)"
            message = "`\(tool)` reads its program from \(stream), which is \(source)."
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
        default:
            (message, hint) = Self.text(rule, hit, value)
        }
        self.init(offset: hit.offset, variable: v, message: Self.capitalized(message), hint: hint)
    }

    /// Messages and hints of the rules added for the constructs that evaluate names, set up code
    /// for later, or run unknown programs.
    private static func text(_ rule: ShellScanRule, _ hit: ShellScriptAnalyzer.Hit, _ value: String) -> (String, String)
    {
        let v = hit.variable
        let subscripts =
            "bash evaluates an array subscript in a variable name as arithmetic, running its command "
            + "substitutions (a[$(cmd)])"
        switch rule {
        case .prompt:
            return (
                "`${\(v)@P}` expands \(value) as a prompt string, which runs its command substitutions.",
                "Expand the value plainly (\"$\(v)\") or quoted for reuse (${\(v)@Q})."
            )
        case .variableName(let construct):
            return (
                "\(construct) uses \(value) as a variable name, and \(subscripts).",
                "Use a fixed variable name; if the value must choose one, check that it is a plain name first — "
                    + "case $\(v) in ''|*[!A-Za-z0-9_]*) exit 1;; esac."
            )
        case .nameReference(let name):
            return (
                "`\(name)` is a name reference (declare -n), so assigning \(value) to it makes the value a "
                    + "variable name, and \(subscripts).",
                "Keep the value in an ordinary variable; point name references only at fixed names."
            )
        case .callback(let tool):
            return (
                "`\(tool) -C` runs its callback as shell code, and the callback contains \(value).",
                "Name a function as the callback (\(tool) -C handle -c 1 …) and read $\(v) inside it."
            )
        case .alias:
            return (
                "`alias` defines a command from its text, which the shell parses as code wherever the alias is "
                    + "used, and the text contains \(value).",
                "Define a function instead and pass the value as an argument: r() { cmd \"$\(v)\" \"$@\"; }."
            )
        case .environment(let name):
            return (
                "`\(name)` is assigned \(value), and \(ShellScriptScan.environmentEffect(name) ?? "programs read it as code").",
                ShellScriptScan.environmentHint(name)
            )
        case .unknownCommand(let input):
            let carrier = input ? "its standard input carries" : "its arguments contain"
            return (
                "The command name is an expansion, so the program that runs is unknown (it could be `eval` or a "
                    + "shell), and \(carrier) \(value).",
                "Name the program literally (cmd \"$\(v)\", or \"$DIR/cmd\" \"$\(v)\"); to choose between programs, "
                    + "run each one by name in a `case` statement."
            )
        case .commandString(let construct):
            return (
                "`\(construct)` runs its command string through a shell, which parses it as code, and the string "
                    + "contains \(value).",
                commandStringHint(construct, v)
            )
        case .split(let command):
            let target = command.map { "`\($0)`" } ?? "the command"
            if hit.via == .xargs {
                return (
                    "`xargs` splits its input at blanks into arguments, and the input carries the value of `\(v)`, "
                        + "so the value can add arguments — options such as `-exec` or `-c` — to the command it runs.",
                    "Use xargs -0 or -d '\\n' so that each item is one argument, and end the command's options "
                        + "with `--`."
                )
            }
            return (
                "The unquoted expansion of \(value) is split into words and expanded as a glob, so the value can "
                    + "add arguments — options such as `-exec` or `-c` — to \(target).",
                "Quote the expansion (\"$\(v)\"); to pass a list, split it into an array and check the items "
                    + "(read -ra items <<< \"$\(v)\"), then end the options with `--` (cmd -- \"${items[@]}\")."
            )
        case .compgen(let option):
            if option == "-W" {
                return (
                    "`compgen -W` expands each word of its word list, running command substitutions, and the list "
                        + "contains \(value).",
                    "Split the value into an array (read -ra words <<< \"$\(v)\") and filter it yourself in a loop "
                        + "or a `case` statement."
                )
            }
            return (
                "`compgen \(option)` runs its command as shell code, and the command contains \(value).",
                "Name a fixed command and let it read $\(v) itself."
            )
        case .commandOption(let construct):
            return (
                "`\(construct)` runs the command or code its argument gives or names, and the argument contains "
                    + "\(value).",
                "Keep the command a single-quoted literal that reads the variable itself ('cmd \"$\(v)\"'), or run "
                    + "the program yourself and pass the value as an argument."
            )
        case .gitSetting(let key?):
            return (
                "The git setting `\(key)` names a command or file that git runs, and its value contains \(value).",
                "Don't take git settings that run commands from values; choose between fixed settings in a "
                    + "`case` statement."
            )
        case .gitSetting(nil):
            return (
                "The name of a git setting contains \(value), and many settings name commands that git runs "
                    + "(core.sshCommand, alias.*, credential.helper).",
                "Use a fixed setting name; choose between fixed settings in a `case` statement."
            )
        default:
            return ("", "")
        }
    }

    private static func commandStringHint(_ construct: String, _ v: String) -> String {
        let direct: String
        switch construct {
        case "watch": direct = "watch -x cmd \"$\(v)\", which runs no shell"
        case "parallel": direct = "parallel cmd {} ::: \"$\(v)\", which quotes the value for the shell"
        case "flock -c": direct = "flock FILE cmd \"$\(v)\", which runs no shell"
        case "runuser -c": direct = "runuser -u USER -- cmd \"$\(v)\", which runs no shell"
        default: direct = "the program directly with the value as an argument"
        }
        return
            "Keep the command string a single-quoted literal that expands the variable itself ('cmd \"$\(v)\"'; "
            + "the variable must be exported), or run \(direct)."
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

    /// A lowercase construct such as "an array subscript" starts a sentence.
    private static func capitalized(_ s: String) -> String {
        guard let first = s.first, first.isLowercase else { return s }
        return first.uppercased() + s.dropFirst()
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
