import CharterModel

/// Starts the program of a stdio ToolServer. CharterMCP never starts programs itself: the
/// controller's launcher (CharterControl's `SandboxedToolServerLauncher`) starts them in the run's
/// sandbox, the same one shell steps get.
public protocol ToolServerLauncher: Sendable {
    /// Starts `server`'s program, as `command` describes it.
    ///
    /// - Throws: an error whose description says why the program could not start and what to do.
    func launch(_ server: ToolServer, command: ToolServer.StdioCommand) async throws -> any ToolServerProcess
}

/// A started server program, seen from the client.
///
/// The client owns ``input`` and ``output`` from the moment ``ToolServerLauncher/launch(_:command:)``
/// returns, and closes both; closing ``input`` is the program's end of input, on which MCP servers
/// exit.
public protocol ToolServerProcess: Sendable {
    /// The write end of the program's stdin.
    var input: Int32 { get }
    /// The read end of the program's stdout.
    var output: Int32 { get }
    /// How the program ended (`exit status 1`), or nil while it runs.
    var exitDescription: String? { get }
    /// Waits until the program has exited, and the launcher has finished with it (its records); how
    /// it ended.
    func waitForExit() async -> String
    /// Stops the program and everything it started, and waits until they have exited.
    func terminate() async
    /// The end of what the program wrote on its standard error, for messages; empty if nothing.
    func stderrTail() -> String
}
