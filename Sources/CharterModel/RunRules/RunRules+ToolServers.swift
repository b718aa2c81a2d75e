extension RunRules {
    /// Whether an agent acting in a Role whose `tools` are `rolePatterns` may be given any tool of
    /// `server`: some Role pattern and some Policy `tools.allow` pattern can match a name under
    /// `mcp.<server>.`, and no `tools.deny` pattern matches all of them (`mcp.<server>.*`,
    /// `mcp.*`, `*`). Other denials are decided per tool, once the server has listed its tools
    /// (``refusal(ofTool:role:rolePatterns:)``). A server this refuses need not be started.
    public func mayOfferTools(of server: ToolServer, rolePatterns: [String]) -> Bool {
        let servers = [server.name]
        let prefix = server.toolPrefix
        let deniesAll = deniedTools.contains { rule in
            guard rule.hasSuffix("*") else { return false }
            let literal = rule.dropLast()
            return !literal.contains("*") && prefix.hasPrefix(literal)
        }
        return !deniesAll && rolePatterns.contains { ToolPatterns.mayMatchServerTool($0, servers: servers) }
            && allowedTools.contains { ToolPatterns.mayMatchServerTool($0, servers: servers) }
    }
}
