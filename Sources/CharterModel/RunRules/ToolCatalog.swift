/// The built-in tools agent steps can be given, by the dotted names Role and Policy patterns match.
///
/// CharterTools and CharterControl implement them; a test checks that the registry an agent step
/// gets holds exactly these. Tools of MCP tool servers are named `mcp.<server>.<tool>` at run time.
public enum ToolCatalog {
    /// Every built-in tool's name.
    public static let names: [String] = [
        "files.edit", "files.list", "files.read", "files.search", "files.write", "org.proposals", "org.propose",
        "org.resources", "org.runs", "shell.exec", "web.fetch",
    ]
}
