/// Programs that run a command string through a shell (`flock -c`, `su -c`, `watch`, `parallel`),
/// run a command in a container, or run commands named in options (`git`).
extension ShellScriptAnalyzer {
    static let programs: Set<String> = Set([
        "flock", "script", "su", "runuser", "watch", "parallel", "sg", "at", "batch", "git", "docker", "podman",
        "kubectl",
    ]).union(commandOptions.keys)

    /// Programs with options whose argument is a command they run, code they evaluate, or a
    /// file of code they load. Any word equal to such an option (or `OPTION=…`, or a short
    /// option with its argument attached) is checked, wherever it stands.
    static let commandOptions: [String: Set<String>] = {
        var table: [String: Set<String>] = [
            "rsync": ["-e", "--rsh"],
            "tar": [
                "--to-command", "-I", "--use-compress-program", "--checkpoint-action", "-F", "--info-script",
                "--new-volume-script", "--rsh-command", "--rmt-command",
            ],
            "sort": ["--compress-program"],
            "zip": ["-TT", "--unzip-command"],
            "gdb": ["-ex", "--ex", "-iex", "--eval-command", "--init-eval-command", "-x", "--command", "-ix"],
            "man": ["-P", "--pager", "-H", "--html"],
            "scp": ["-S", "-F"],
            "sftp": ["-S", "-F"],
        ]
        for vim in ["vim", "nvim", "vi", "view", "ex", "gvim", "vimdiff"] { table[vim] = ["-c", "--cmd", "-S"] }
        for make in ["make", "gmake"] { table[make] = ["--eval", "-E", "-f", "--file", "--makefile"] }
        return table
    }()

    mutating func program(_ name: String, _ c: Invocation, _ walk: inout Walk) -> Step {
        let rest = c.words
        if let table = Self.commandOptions[name] {
            optionCommands(name, table, rest)
            if name == "scp" || name == "sftp" { sshOptions(rest, name) }
            return .done
        }
        switch name {
        case "flock":
            // flock [options] FILE -c COMMAND, flock [options] FILE COMMAND [ARG…], flock [options] FD.
            let spec = OptionSpec(
                argument: "wE", code: "c", longArgument: ["--timeout", "--wait", "--conflict-exit-code"],
                longCode: ["--command"])
            let o = options(rest, spec)
            var commands = o.code
            var next = min(o.next + 1, rest.endIndex)
            if next < rest.endIndex, let l = rest[next].literal, l == "-c" || l == "--command" {
                if next + 1 < rest.endIndex { commands.append(rest[next + 1]) }
                next = rest.endIndex
            }
            for command in commands { shellString(command, "flock -c", c) }
            return commands.isEmpty ? .run(rest[next...]) : .done
        case "script":
            let spec = OptionSpec(
                argument: "IOBTmEo", attached: "t", code: "c",
                longArgument: ["--log-in", "--log-out", "--log-io", "--log-timing", "--logging-format", "--echo"],
                longCode: ["--command"])
            let o = permutedOptions(rest, spec).options
            for command in o.code { shellString(command, "script -c", c) }
            // Without a command, script runs an interactive shell that reads its input.
            if o.code.isEmpty { programInput(name, c.input, shell: false) }
        case "su", "runuser":
            let spec = OptionSpec(
                argument: "gGswu", code: "c",
                longArgument: ["--group", "--supp-group", "--shell", "--whitelist-environment", "--user"],
                longCode: ["--command", "--session-command"])
            let (o, operands) = permutedOptions(rest, spec)
            for h in o.words["s"]?.hits ?? [] { report(.commandName, h) }
            let words = operands.map { rest[$0] }.drop { $0.literal == "-" }
            if name == "runuser", o.code.isEmpty, o.words["u"] != nil || o.long["--user"] != nil {
                // runuser -u USER COMMAND…
                return .run(operands.first.map { rest[$0...] } ?? [])
            }
            // The words after the user name are the shell's $0, $1, ….
            for command in o.code { shellString(command, "\(name) -c", c, positionals: words.dropFirst()) }
            if o.code.isEmpty { programInput(name, c.input, shell: false) }
        case "watch":
            let o = options(rest, OptionSpec(argument: "nq", attached: "d", longArgument: ["--interval", "--equexit"]))
            let command = rest[o.next...]
            if o.flags.contains("x") || o.long["--exec"] != nil { return .run(command) }
            joined(command, rule: .commandString("watch"), c)
        case "sg":
            // sg GROUP [-c] COMMAND: /bin/sh -c runs the command string.
            var command = rest.drop { $0.literal == "-" }.dropFirst()
            if command.first?.literal == "-c" { command = command.dropFirst() }
            joined(command, rule: .commandString("sg"), c)
        case "at", "batch":
            let o = options(rest, OptionSpec(argument: "qftT"))
            if let file = o.words["f"] {
                programFile(name, file, c, rule: .programFile(name))
            } else {
                programInput(name, c.input, shell: true, descriptors: [:])
            }
        case "parallel":
            parallel(rest, c)
        case "git":
            return git(rest, c)
        case "docker", "podman":
            // docker [container] exec [options] CONTAINER COMMAND…
            var words = rest.drop { $0.literal == "container" }
            guard words.first?.literal == "exec" else { return .done }
            words = words.dropFirst()
            let spec = OptionSpec(
                argument: "euw", longArgument: ["--env", "--env-file", "--user", "--workdir", "--detach-keys"])
            return .run(words[min(options(words, spec).next + 1, words.endIndex)...])
        default:
            // kubectl exec … -- COMMAND…
            guard let dashes = rest.firstIndex(where: { $0.literal == "--" }),
                rest[..<dashes].contains(where: { $0.literal == "exec" })
            else { return .done }
            return .run(rest[(dashes + 1)...])
        }
        return .done
    }

    /// The arguments of `options` (a command's options that run code) that carry values.
    private mutating func optionCommands(_ name: String, _ options: Set<String>, _ rest: ArraySlice<Argument>) {
        var k = rest.startIndex
        while k < rest.endIndex {
            let a = rest[k]
            let p = a.prefix
            if let l = a.literal, options.contains(l), k + 1 < rest.endIndex {
                for h in rest[k + 1].hits { report(.commandOption("\(name) \(l)"), h) }
                k += 1
            } else if let equals = p.firstIndex(of: "="), options.contains(String(p[..<equals])) {
                for h in a.hits { report(.commandOption("\(name) \(p[..<equals])"), h) }
            } else if a.literal == nil, options.contains(p) || (p.hasPrefix("+") && name.contains("vi")) {
                // `-e"$X"`, and vim's `+COMMAND`.
                for h in a.hits { report(.commandOption("\(name) \(p)"), h) }
            }
            k += 1
        }
    }

    /// `ssh -o ProxyCommand=…` and the other options that run a local command or load a
    /// library, and `-F` (a configuration file, which can hold them).
    mutating func sshOptions(_ words: ArraySlice<Argument>, _ name: String) {
        let commands: Set<String> = [
            "proxycommand", "localcommand", "knownhostscommand", "remotecommand", "pkcs11provider",
            "securitykeyprovider", "match",
        ]
        var k = words.startIndex
        while k < words.endIndex {
            let a = words[k]
            var option = a
            var text = a.prefix
            if a.literal == "-o" || a.literal == "-F", k + 1 < words.endIndex {
                option = words[k + 1]
                text = option.prefix
                k += 1
                if a.literal == "-F" {
                    for h in option.hits { report(.commandOption("\(name) -F"), h) }
                    k += 1
                    continue
                }
            } else if text.hasPrefix("-o") {
                text.removeFirst(2)
            } else {
                k += 1
                continue
            }
            let key = text.prefix { $0 != "=" && $0 != " " && $0 != "\t" }
            if key.count == text.count || commands.contains(key.lowercased()) {
                // The option's name comes from a value, or the option runs a command.
                for h in option.hits { report(.commandOption("\(name) -o \(key.isEmpty ? "…" : key)"), h) }
            }
            k += 1
        }
    }

    /// A command string that a program hands to `sh -c`; literal code is scanned in a new shell.
    private mutating func shellString(
        _ command: Argument, _ construct: String, _ c: Invocation, positionals: ArraySlice<Argument> = []
    ) {
        code(
            command, rule: .commandString(construct), scanLiteral: c.scanLiterals, positionals: positionals,
            descriptors: c.descriptors)
    }

    /// Words that a program joins with spaces into a command string for a shell (`watch`, `sg`).
    private mutating func joined(_ words: ArraySlice<Argument>, rule: ShellScanRule, _ c: Invocation) {
        for a in words {
            for h in a.hits { report(rule, h) }
        }
        if c.scanLiterals, !words.isEmpty, words.allSatisfy({ $0.literal != nil }) {
            scanLiteral(words.compactMap(\.word), positionals: [], descriptors: c.descriptors)
        }
    }

    /// GNU parallel: the command is joined into a shell command line; without one, every input
    /// (`:::` arguments, `::::` files, standard input) is a command line.
    private mutating func parallel(_ rest: ArraySlice<Argument>, _ c: Invocation) {
        let spec = OptionSpec(
            argument: "aCdEIjLlNnPSs",
            longArgument: [
                "--arg-file", "--colsep", "--delimiter", "--jobs", "--max-args", "--max-lines", "--max-chars",
                "--sshlogin", "--sshloginfile", "--slf", "--basefile", "--bf", "--return", "--transferfile", "--tf",
                "--workdir", "--wd", "--tmpdir", "--results", "--res", "--joblog", "--halt", "--timeout", "--delay",
                "--env", "--retries", "--memfree", "--load", "--nice", "--tagstring", "--tag-string", "--header",
            ])
        let o = options(rest, spec)
        let separators: Set<String> = [":::", ":::+", "::::", "::::+"]
        let end = rest[o.next...].firstIndex { $0.literal.map(separators.contains) == true } ?? rest.endIndex
        if end > o.next {
            joined(rest[o.next..<end], rule: .commandString("parallel"), c)
            return
        }
        var files = false
        for a in rest[end...] {
            if let l = a.literal, separators.contains(l) {
                files = l.hasPrefix("::::")
                continue
            }
            if files {
                programFile("parallel", a, c, rule: .programFile("parallel"))
            } else {
                for h in a.hits { report(.commandString("parallel"), h) }
            }
        }
        if end == rest.endIndex, o.words["a"] == nil, o.long["--arg-file"] == nil {
            programInput("parallel", c.input, shell: false)
        }
    }

    /// git: `-c NAME=VALUE` and `--config-env` settings that run commands, options that name a
    /// command (`--upload-pack`, `rebase --exec`, `filter-branch --tree-filter`), `submodule
    /// foreach`, `bisect run` and `git config`.
    private mutating func git(_ rest: ArraySlice<Argument>, _ c: Invocation) -> Step {
        var j = rest.startIndex
        while j < rest.endIndex, rest[j].prefix.hasPrefix("-") {
            let option = rest[j].literal ?? ""
            let next = j + 1 < rest.endIndex ? rest[j + 1] : nil
            switch option {
            case "-c":
                if let next { gitSetting(next) }
                j += 2
                continue
            case "--config-env":
                if let next { gitEnvironmentSetting(next, dropping: 0) }
                j += 2
                continue
            case "-C", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--list-cmds", "--attr-source":
                j += 2
                continue
            default:
                let p = rest[j].prefix
                if p.hasPrefix("--config-env=") { gitEnvironmentSetting(rest[j], dropping: 13) }
                if p.hasPrefix("--exec-path=") {
                    for h in rest[j].hits { report(.commandOption("git --exec-path"), h) }
                }
                j += 1
            }
        }
        guard j < rest.endIndex, let sub = rest[j].literal else { return .done }
        let arguments = rest[(j + 1)...]
        switch sub {
        case "submodule":
            guard var k = arguments.firstIndex(where: { $0.literal == "foreach" }) else { break }
            k += 1
            while k < arguments.endIndex, arguments[k].literal == "--recursive" { k += 1 }
            joined(arguments[k...], rule: .commandOption("git submodule foreach"), c)
            return .done
        case "bisect":
            if arguments.first?.literal == "run" { return .run(arguments.dropFirst()) }
        case "config":
            let spec = OptionSpec(
                argument: "f", longArgument: ["--file", "--blob", "--type", "--default", "--comment"])
            var operands = arguments[options(arguments, spec).next...]
            if operands.first?.literal == "set" { operands = operands.dropFirst() }
            if let key = operands.first {
                let value = operands.dropFirst().first?.hits ?? []
                gitSetting(key, value: value)
            }
            return .done
        default:
            break
        }
        var commandOptions: Set<String> = ["--upload-pack", "--receive-pack", "--exec", "--extcmd"]
        if sub == "clone" || sub == "ls-remote" || sub == "archive" { commandOptions.insert("-u") }
        if sub == "rebase" || sub == "difftool" { commandOptions.insert("-x") }
        var k = arguments.startIndex
        while k < arguments.endIndex {
            let a = arguments[k]
            let p = a.prefix
            let next = k + 1 < arguments.endIndex ? arguments[k + 1] : nil
            if sub == "clone", a.literal == "-c" || a.literal == "--config", let next {
                gitSetting(next)
            } else if sub == "clone", p.hasPrefix("--config=") {
                gitSetting(optionValue(a, dropping: 9))
            } else if let option = a.literal,
                commandOptions.contains(option) || (sub == "filter-branch" && option.hasSuffix("-filter")), let next
            {
                gitCommand(next, "\(sub) \(option)", c)
                k += 1
            } else if let equals = p.firstIndex(of: "="), commandOptions.contains(String(p[..<equals])) {
                gitCommand(optionValue(a, dropping: p.distance(from: p.startIndex, to: equals) + 1), sub, c)
            }
            k += 1
        }
        return .done
    }

    /// The argument of a `--option=value` word: the word itself when it is not literal.
    private func optionValue(_ a: Argument, dropping count: Int) -> Argument {
        guard a.literal != nil, let w = a.word, w.text.count >= count else { return a }
        return Argument(word: w.suffix(from: count), hits: [])
    }

    /// A command that git runs through a shell.
    private mutating func gitCommand(_ a: Argument, _ construct: String, _ c: Invocation) {
        code(
            a, rule: .commandOption("git \(construct)"), scanLiteral: c.scanLiterals, positionals: [],
            descriptors: c.descriptors)
    }

    /// `NAME=VALUE`, or NAME alone with the hits of the value given apart (`git config NAME VALUE`).
    private mutating func gitSetting(_ a: Argument, value: [Hit]? = nil) {
        let p = a.prefix
        let key: String
        if let value {
            guard a.hits.isEmpty else {
                for h in a.hits { report(.gitSetting(nil), h) }
                return
            }
            key = p
            if !Self.gitRunsCommand(key) { return }
            for h in value { report(.gitSetting(key), h) }
            return
        }
        guard let equals = p.firstIndex(of: "=") else {
            // The `=` comes from a value, and so may the setting's name.
            for h in a.hits { report(.gitSetting(nil), h) }
            return
        }
        key = String(p[..<equals])
        guard Self.gitRunsCommand(key) else { return }
        for h in a.hits { report(.gitSetting(key), h) }
    }

    /// `--config-env=NAME=ENVVAR`: the setting takes the environment variable's value.
    private mutating func gitEnvironmentSetting(_ a: Argument, dropping count: Int) {
        guard a.hits.isEmpty, let literal = a.literal?.dropFirst(count), let equals = literal.firstIndex(of: "=") else {
            for h in a.hits { report(.gitSetting(nil), h) }
            return
        }
        let key = String(literal[..<equals])
        let variable = String(literal[literal.index(after: equals)...])
        guard isValue(variable), Self.gitRunsCommand(key) else { return }
        report(.gitSetting(key), Hit(offset: a.word?.offset ?? 0, variable: variable, via: .expansion))
    }

    /// Whether a git setting names a command, a program or a file of code that git runs.
    static func gitRunsCommand(_ key: String) -> Bool {
        let parts = key.lowercased().split(separator: ".")
        guard let section = parts.first, let last = parts.last else { return true }
        let sections: Set<Substring> = [
            "alias", "filter", "credential", "pager", "difftool", "mergetool", "browser", "man", "gpg", "include",
            "includeif", "sendemail", "uploadpack", "remote", "protocol", "url", "trailer", "submodule", "instaweb",
            "web", "sequence", "lfs",
        ]
        let names: Set<Substring> = [
            "sshcommand", "pager", "editor", "fsmonitor", "hookspath", "askpass", "gitproxy", "alternaterefscommand",
            "external", "textconv", "command", "cmd", "program", "driver", "helper", "hook", "templatedir",
            "difffilter",
        ]
        return sections.contains(section) || names.contains(last)
    }
}
