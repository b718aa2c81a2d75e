extension Checker {
    /// ToolServers: a name that leaves room for tool names, a command `exec` can carry, network
    /// rules that parse, plain `http` only to this machine, a credential some Policy grants.
    mutating func toolServers() {
        var rules: RunRules?
        for (name, server) in state.toolServers {
            let res = r(.toolServer, name)
            if name.count > ToolServer.maxNameLength {
                out.add(
                    res.diagnostic(
                        "semantic.tool-server", at: JSONPointer("/metadata/name"),
                        "a ToolServer's name is at most \(ToolServer.maxNameLength) characters; `\(name)` has \(name.count)",
                        hint: "its tools are named `mcp.<server>.<tool>`, and providers accept 64 characters in all"))
            }
            switch server.transport {
            case .stdio(let stdio):
                if stdio.command.first?.isEmpty ?? true {
                    out.add(
                        res.diagnostic(
                            "semantic.tool-server", at: JSONPointer("/spec/stdio/command/0"),
                            "the command's program is empty", hint: "name the program, such as `mcp-server-git`"))
                }
                for (i, argument) in stdio.command.enumerated() where argument.contains("\0") {
                    out.add(
                        res.diagnostic(
                            "semantic.tool-server", at: JSONPointer("/spec/stdio/command/\(i)"),
                            "an argument holds a NUL character, which no program can be given",
                            hint: "remove the `\\0`"))
                }
                for (variable, value) in stdio.environment.sorted(by: { $0.key < $1.key }) where value.contains("\0") {
                    out.add(
                        res.diagnostic(
                            "semantic.tool-server", at: JSONPointer("/spec/stdio/env").appending(variable),
                            "`\(variable)` holds a NUL character, which no environment can carry",
                            hint: "remove the `\\0`"))
                }
                networkRules(res, stdio.network, at: JSONPointer("/spec/stdio/network/allow"))
            case .http(let url, let credential):
                if let endpoint = try? HTTPEndpoint(url), endpoint.scheme == "http", !Self.isLoopback(endpoint.host) {
                    out.add(
                        res.diagnostic(
                            "semantic.tool-server", at: JSONPointer("/spec/http/url"),
                            "`\(Excerpt.cut(url))` is plain http to another machine: its traffic, credential included, could be read and changed on the way",
                            hint: "use https; plain http is accepted only to 127.0.0.1, [::1] or localhost"))
                }
                if let credential {
                    if rules == nil { rules = RunRules(policies: Array(state.policies.values)) }
                    if let refusal = rules!.refusal(ofSecret: credential) {
                        out.add(
                            res.diagnostic(
                                "semantic.secret", at: JSONPointer("/spec/http/credential"),
                                "the ToolServer uses a secret it cannot have: \(refusal)",
                                hint: "add `\(credential)` to a Policy's runRules.secrets.allow"))
                    }
                }
            }
        }
    }

    /// Whether `host` (as a URL writes it) is this machine's loopback.
    static func isLoopback(_ host: String) -> Bool {
        // Read as the HTTP stack reads it: `127.1` and `localhost` are loopback too.
        guard let known = (try? EndpointHost(host))?.knownAddresses, !known.isEmpty else { return false }
        return known.allSatisfy { $0.range == .loopback }
    }

    /// Roles' tools name tools that exist.
    mutating func roleTools() {
        for (name, role) in state.roles where !role.tools.isEmpty {
            toolPatterns(r(.role, name), role.tools, at: JSONPointer("/spec/tools"))
        }
    }

    /// A Policy's `runRules.tools`: patterns naming tools that exist, approval boards that exist,
    /// path exceptions that parse.
    mutating func policyTools(_ res: Resource, _ policy: Policy) {
        let base = JSONPointer("/spec/runRules/tools")
        toolPatterns(res, policy.allowedTools, at: base.appending("allow"))
        toolPatterns(res, policy.deniedTools, at: base.appending("deny"))
        for (i, rule) in policy.toolApprovals.enumerated() {
            let path = base.appending("requireApproval").appending(i)
            toolPatterns(res, rule.tools, at: path.appending("tools"))
            ref(res, path.appending("board"), .board, rule.board)
            for (j, text) in rule.exceptPaths.enumerated() {
                do throws(PathPatternError) {
                    _ = try PathPattern(text)
                } catch {
                    out.add(
                        res.diagnostic(
                            "semantic.path-pattern", at: path.appending("exceptPaths").appending(j),
                            "path pattern `\(text)`: \(error.message)", hint: error.hint))
                }
            }
        }
    }

    /// Each of `patterns` (at `path`) names a tool that exists: it matches a built-in tool's name,
    /// or some name `mcp.<server>.<tool>` of a declared ToolServer. A rule naming nothing would
    /// look like a protection (or a grant) and be none.
    mutating func toolPatterns(_ res: Resource, _ patterns: [String], at path: JSONPointer) {
        if names[.toolServer] == nil {
            names[.toolServer] = state.resources.keys.filter { $0.kind == .toolServer }.map(\.name).sorted()
        }
        let servers = names[.toolServer]!
        // Servers defined with errors of their own are reported already.
        let broken = invalid.filter { $0.kind == .toolServer }.map(\.name).sorted()
        for (i, pattern) in patterns.enumerated() {
            if ToolCatalog.names.contains(where: { Glob.matches(pattern, $0) }) { continue }
            if ToolPatterns.mayMatchServerTool(pattern, servers: servers) { continue }
            if !broken.isEmpty && ToolPatterns.mayMatchServerTool(pattern, servers: broken) { continue }
            // A ToolServer whose name cannot be read may be the one an `mcp.` pattern means.
            if invalidKinds.contains(.toolServer) && pattern.hasPrefix("mcp.") { continue }
            let at = path.appending(i)
            guard admits(res, at) else {
                out.omit()
                continue
            }
            out.add(res.diagnostic("reference.tool", at: at, toolProblem(pattern), hint: toolHint(pattern)))
        }
    }

    /// What is wrong with `pattern`, which names no tool.
    func toolProblem(_ pattern: String) -> String {
        let shown = Excerpt.cut(pattern)
        let parts = pattern.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count >= 2, parts[0] == "mcp", !parts[1].contains("*") {
            let server = String(parts[1])
            if state.toolServers[server] != nil {
                return "`\(shown)` names no tool of the ToolServer `\(server)`: its tools are `mcp.\(server).<tool>`"
            }
            let suggestion = Suggestion.closest(to: server, in: state.toolServers.keys.sorted())
            return "`\(shown)` names tools of the ToolServer `\(Excerpt.cut(server))`, which does not exist"
                + (suggestion.map { "; did you mean `mcp.\($0).`?" } ?? "")
        }
        let suggestion = Suggestion.closest(to: pattern, in: ToolCatalog.names)
        return "`\(shown)` names no tool: it matches no built-in tool and no declared ToolServer's tools"
            + (suggestion.map { "; did you mean `\($0)`?" } ?? "")
    }

    func toolHint(_ pattern: String) -> String {
        let servers = state.toolServers.keys.sorted().prefix(10).map { "`mcp.\($0).*`" }
        return "built-in tools are \(ToolCatalog.names.joined(separator: ", "))"
            + (servers.isEmpty
                ? "; a ToolServer's tools are `mcp.<server>.<tool>`"
                : "; ToolServers' tools: \(servers.joined(separator: ", "))")
    }
}

/// What a tool name pattern can match.
enum ToolPatterns {
    /// Whether `pattern` (`*` matches any run of characters) matches some name `mcp.<s>.<tool>`
    /// with `s` one of `servers` (sorted) and `<tool>` not empty: `mcp.*`, `mcp.g*`, `mcp.git.*`
    /// and `mcp.git.git_status` may, for a server `git`; `mcp.git` and `mcp.git.` do not.
    ///
    /// Exact, and cheap whatever the number of servers: with `L` the pattern's text before its
    /// first `*`, some such name matches exactly when `L` is a prefix of `mcp.<s>.` for some
    /// server (the `*` then covers the rest of the server's name, a dot and a tool name of the
    /// rest's choosing), or `mcp.<s>.` is a prefix of `L`. Server names hold no dots, so the
    /// second case names one server. Without a `*`, the pattern is one name.
    static func mayMatchServerTool(_ pattern: String, servers: [String]) -> Bool {
        guard !servers.isEmpty else { return false }
        let literal = pattern.firstIndex(of: "*").map { pattern[..<$0] } ?? Substring(pattern)
        let hasStar = literal.endIndex != pattern.endIndex
        guard literal.hasPrefix("mcp.") else { return hasStar && "mcp.".hasPrefix(literal) }
        let rest = literal.dropFirst(4)
        if let dot = rest.firstIndex(of: ".") {
            let server = String(rest[..<dot])
            let tool = rest[rest.index(after: dot)...]
            return (hasStar || !tool.isEmpty) && contains(servers, server)
        }
        // `mcp.gi*`: some server's name starts with `gi`.
        guard hasStar else { return false }
        let prefix = String(rest)
        let i = servers.partitionPoint { $0 < prefix }
        return i < servers.count && servers[i].hasPrefix(rest)
    }

    private static func contains(_ sorted: [String], _ name: String) -> Bool {
        let i = sorted.partitionPoint { $0 < name }
        return i < sorted.count && sorted[i] == name
    }
}
