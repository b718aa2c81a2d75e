/// Environment variables that a shell, the dynamic loader or a common program reads as code or
/// as the location of code: a value must not be assigned to them, in the script or in the
/// step's `env`.
extension ShellScriptScan {
    /// What reads each kind of variable, for messages.
    private enum CodeVariable {
        case startup, prompt, function, path, loader, command, git, gitDirectory, interpreter, configuration

        var effect: String {
            switch self {
            case .startup: return "a shell runs the file it names when it starts"
            case .prompt:
                return "bash expands it as a prompt, running its command substitutions, or runs it as a command"
            case .function: return "bash imports it as a function definition"
            case .path:
                return "the shell looks up commands (functions, builtins) in the directories it lists, so it chooses "
                    + "the programs that run"
            case .loader: return "the dynamic loader loads libraries, which run code, from what it names"
            case .command: return "programs run it as a command"
            case .git:
                return "git reads it as configuration, where settings such as core.sshCommand and alias.* run commands"
            case .gitDirectory: return "git runs programs or hooks from the directory it names"
            case .interpreter: return "an interpreter reads it as options or as the place to load code from"
            case .configuration:
                return "shells and programs such as git and zsh read configuration files, which can run commands, "
                    + "from the directory it names"
            }
        }
    }

    private static let codeVariables: [String: CodeVariable] = {
        var table: [String: CodeVariable] = [:]
        for n in ["BASH_ENV", "ENV"] { table[n] = .startup }
        for n in ["PS0", "PS1", "PS2", "PS3", "PS4", "PROMPT_COMMAND"] { table[n] = .prompt }
        for n in ["PATH", "FPATH", "BASH_LOADABLES_PATH"] { table[n] = .path }
        table["GCONV_PATH"] = .loader
        for n in [
            "GIT_SSH", "GIT_SSH_COMMAND", "GIT_PROXY_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR",
            "GIT_PAGER", "GIT_ASKPASS", "SSH_ASKPASS", "SUDO_ASKPASS", "EDITOR", "VISUAL", "PAGER", "MANPAGER",
            "SYSTEMD_PAGER", "LESSOPEN", "LESSCLOSE", "BROWSER", "SHELL", "RSYNC_RSH",
        ] {
            table[n] = .command
        }
        for n in ["GIT_EXEC_PATH", "GIT_TEMPLATE_DIR"] { table[n] = .gitDirectory }
        for n in [
            "PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB", "RUBYOPT",
            "RUBYLIB", "NODE_OPTIONS", "NODE_PATH", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
        ] {
            table[n] = .interpreter
        }
        for n in ["HOME", "ZDOTDIR", "XDG_CONFIG_HOME"] { table[n] = .configuration }
        return table
    }()

    private static let codeVariablePrefixes: [(String, CodeVariable)] = [
        ("BASH_FUNC_", .function), ("LD_", .loader), ("DYLD_", .loader), ("GIT_CONFIG", .git),
    ]

    /// The names of the environment variables that a shell, the dynamic loader or a common program
    /// reads as code or as the location of code (besides those with a prefix in
    /// ``codeEnvironmentPrefixes``).
    public static var codeEnvironmentNames: Set<String> { Set(codeVariables.keys) }

    /// Prefixes of such names: `BASH_FUNC_` (bash functions), `LD_` and `DYLD_` (the dynamic
    /// loader), `GIT_CONFIG` (`GIT_CONFIG_PARAMETERS`, `GIT_CONFIG_KEY_0`, …).
    public static var codeEnvironmentPrefixes: [String] { codeVariablePrefixes.map(\.0) }

    /// Whether `name` is in ``codeEnvironmentNames`` or starts with one of ``codeEnvironmentPrefixes``.
    public static func isCodeEnvironmentName(_ name: String) -> Bool { kind(name) != nil }

    /// The finding for a step `env` key `name` whose value has a substitution, when `name` is a
    /// variable programs read as code (``isCodeEnvironmentName(_:)``); nil otherwise. Its
    /// `offset` is 0 and does not point into `run`: report it at the `env` key.
    public static func environmentFinding(name: String) -> ShellScanFinding? {
        guard let kind = kind(name) else { return nil }
        return ShellScanFinding(
            offset: 0, variable: name,
            message: "The step's `env` gives `\(name)` a value, and \(kind.effect).",
            hint: environmentHint(name))
    }

    private static func kind(_ name: String) -> CodeVariable? {
        if let kind = codeVariables[name] { return kind }
        return codeVariablePrefixes.first { name.hasPrefix($0.0) }?.1
    }

    static func environmentEffect(_ name: String) -> String? { kind(name)?.effect }

    static func environmentHint(_ name: String) -> String {
        "Don't set `\(name)` from a value: pass the value under another name, and if it must choose a setting, "
            + "match it in a `case` statement and assign fixed text."
    }
}
