/// The built-in tools agent steps can be given, by the dotted names Role and Policy patterns match.
///
/// Tools of MCP tool servers are not listed: they are `mcp.<server>.<tool>` for a declared
/// ToolServer, and known only when the server is asked at run time. A pattern naming neither is
/// refused by `charter validate`, because a rule naming a tool nothing implements would look like a
/// protection (or a grant) and be none.
public enum ToolCatalog {
    /// Every built-in tool's name.
    public static let names: [String] = [
        "files.list", "files.read", "files.search", "files.write", "files.edit", "shell.exec", "web.fetch",
        "org.resources", "org.runs", "org.proposals", "org.propose",
    ]
}
