import CharterModel
import CharterTools
import Foundation
import MCP

/// A tool of an MCP server, as an agent tool named `mcp.<server>.<tool>`.
///
/// Its ``effect`` is what the ToolServer's `readOnlyTools` and `idempotentTools` declare, never the
/// server's own annotations (the party being governed does not get to say its tool is harmless).
/// A call has the earlier of the step's deadline and the ToolServer's `timeout`; its result's
/// text blocks are joined, other blocks described in a line (`[image, image/png, 12 KB]`), and
/// the whole cut to the call's result limit.
public struct MCPTool: AgentTool {
    public let name: String
    public let summary: String
    public let parameters: CharterModel.Value
    public let effect: ToolEffect
    /// The ToolServer's name.
    public let server: String
    /// The tool's name on the server (`git_status`).
    public let remoteName: String
    let session: MCPSession
    let timeout: Duration

    init(
        server: ToolServer, remoteName: String, summary: String, parameters: CharterModel.Value, session: MCPSession
    ) {
        self.server = server.name
        self.remoteName = remoteName
        name = server.dottedName(ofTool: remoteName)
        self.summary = summary
        self.parameters = parameters
        effect =
            server.isDeclaredReadOnly(remoteName)
            ? .readOnly : server.isDeclaredIdempotent(remoteName) ? .idempotent : .sideEffecting
        self.session = session
        timeout = .milliseconds(server.timeoutMilliseconds)
    }

    public func call(_ arguments: [String: CharterModel.Value], context: ToolCallContext) async throws -> ToolOutput {
        let clock = ContinuousClock()
        var deadline = clock.now + timeout
        var limitText = MCPSession.format(timeout)
        if let stepDeadline = context.deadline {
            let left = Duration.milliseconds(Int64(max(0, stepDeadline.timeIntervalSinceNow * 1000)))
            if left < timeout {
                deadline = clock.now + left
                limitText = "the \(MCPSession.format(left)) left of the step"
            }
        }
        let result = try await session.call(
            remoteName, arguments: arguments.mapValues { MCP.Value($0) }, deadline: deadline, timeoutText: limitText)
        var output = ToolResultText.output(result, limit: context.resultLimit)
        output.details["server"] = .string(server)
        output.details["tool"] = .string(remoteName)
        return output
    }
}
