/// The tools agent steps can be given, by the dotted names Role and Policy patterns match.
///
/// Empty until tool-using agent steps exist: until then `charter validate` refuses every tool name,
/// because a rule naming a tool nothing implements would look like a protection and be none.
public enum ToolCatalog {
    /// Every tool's name.
    public static let names: [String] = []
}
