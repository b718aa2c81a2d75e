/// A Policy's `runRules.tools.requireApproval` entry: calls of the tools it names wait, durably,
/// until `board` approves that exact call with signed votes.
public struct ToolApprovalRule: Sendable, Hashable {
    /// The Policy that says so.
    public var policy: String
    /// Tool name patterns (`files.write`, `mcp.git.*`).
    public var tools: [String]
    /// The board that decides.
    public var board: String
    /// Path patterns (inside the sandbox: `/workspace/scratch/**`) a file tool's `path` argument
    /// may match to run without approval.
    public var exceptPaths: [String]

    /// A rule.
    public init(policy: String, tools: [String], board: String, exceptPaths: [String] = []) {
        self.policy = policy
        self.tools = tools
        self.board = board
        self.exceptPaths = exceptPaths
    }

    /// Whether a call of `tool` that touches `path` (a sandbox path, for file tools) needs the
    /// board's approval under this rule.
    public func applies(to tool: String, path: String?) -> Bool {
        guard tools.contains(where: { Glob.matches($0, tool) }) else { return false }
        guard let path, !exceptPaths.isEmpty else { return true }
        return !exceptPaths.contains { pattern in (try? PathPattern(pattern))?.matches(path) ?? false }
    }
}
