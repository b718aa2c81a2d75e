import CharterFoundation
import CharterModel
import CharterTools
import Foundation
import MCP

/// One ToolServer, connected: its tools as agent tools, for one agent step.
///
/// ```swift
/// let git = try await MCPToolServer.open(server, launcher: launcher)
/// defer { Task { await git.close() } }          // or close after the loop
/// for tool in git.tools { registry.add(tool) }  // mcp.git.git_status, mcp.git.git_log, …
/// ```
///
/// Opening starts the program (stdio, through the launcher) or reaches the URL (http), runs
/// `initialize`, checks the protocol version, and lists the tools (`tools/list`, every page), each
/// request within a startup bound (``defaultStartupTimeout`` unless the ToolServer's `timeout` is
/// longer); each call then has the ToolServer's `timeout`. What a server lists is bounded: at most
/// ``maxTools`` tools, ``maxSchemaBytes`` of names, descriptions and schemas, ``maxPages`` pages.
/// A tool whose name a Policy pattern could not name exactly (empty, longer than 64 characters,
/// anything but printable ASCII without spaces, or a `*`), a repeated name, or a tool without an
/// object `inputSchema` is skipped, and ``warnings`` says so.
public final class MCPToolServer: Sendable {
    /// The most tools taken from one server.
    public static let maxTools = 256
    /// The most bytes of tool names, descriptions and input schemas taken from one server.
    public static let maxSchemaBytes = 1024 * 1024
    /// The most `tools/list` pages read from one server.
    public static let maxPages = 64
    /// The most characters of a tool's description given to the model.
    public static let maxSummaryLength = 4096
    /// The longest tool name taken (providers accept 64 characters).
    public static let maxToolNameLength = 64

    /// The resource it was opened from.
    public let server: ToolServer
    /// Its tools, in the order the server listed them.
    public let tools: [MCPTool]
    /// What was skipped or cut while listing, for the run record.
    public let warnings: [String]
    /// The server's own name and version, as it gave them in `initialize`.
    public let serverInfo: String
    /// The MCP version the server and Charter agreed on.
    public let protocolVersion: String
    private let session: MCPSession

    private init(
        server: ToolServer, tools: [MCPTool], warnings: [String], serverInfo: String, protocolVersion: String,
        session: MCPSession
    ) {
        self.server = server
        self.tools = tools
        self.warnings = warnings
        self.serverInfo = serverInfo
        self.protocolVersion = protocolVersion
        self.session = session
    }

    /// How long `initialize` and each `tools/list` page may take by default, at least: a server
    /// starting in a sandbox on a busy machine (an interpreter loading its modules) is slower than
    /// one call.
    public static let defaultStartupTimeout = Duration.seconds(30)

    /// Connects to `server` and lists its tools.
    ///
    /// - Parameters:
    ///   - launcher: starts a stdio server's program; unused for http.
    ///   - credential: the value of an http server's `credential` secret, sent as a bearer token;
    ///     the caller reads it (and checks the Policies grant it).
    ///   - startupTimeout: how long `initialize` and each `tools/list` page may take; by default
    ///     the ToolServer's `timeout` or ``defaultStartupTimeout``, whichever is longer.
    ///   - addresses: where an http server may be reached (the Organization's `spec.endpoints`);
    ///     checked when opening and before every request.
    /// - Throws: ``ToolServerError`` saying what failed and what to do; nothing is left running.
    public static func open(
        _ server: ToolServer, launcher: (any ToolServerLauncher)?, credential: String? = nil,
        startupTimeout: Duration? = nil, addresses: OutboundAddressRules = .publicOnly
    ) async throws -> MCPToolServer {
        let callTimeout = Duration.milliseconds(server.timeoutMilliseconds)
        let timeout = startupTimeout ?? max(callTimeout, defaultStartupTimeout)
        let relay = ClosureRelay()
        let transport: any Transport
        var process: (any ToolServerProcess)?
        switch server.transport {
        case .stdio(let command):
            guard let launcher else {
                throw ToolServerError(server: server.name, "a stdio server needs a launcher to start its program")
            }
            do {
                process = try await launcher.launch(server, command: command)
            } catch {
                throw ToolServerError(server: server.name, "its program could not be started: \(error)")
            }
            transport = PipeTransport(input: process!.input, output: process!.output) { relay.fire($0) }
        case .http(let url, _):
            do throws(HTTPEndpointError) {
                _ = try HTTPEndpoint(url)
            } catch {
                throw ToolServerError(server: server.name, "the URL `\(Quote.excerpt(url.utf8))` \(error.message)")
            }
            if let refusal = addresses.refusal(url: url) {
                throw ToolServerError(
                    server: server.name, "the URL `\(Quote.excerpt(url.utf8))`: \(refusal.description)")
            }
            transport = StreamableHTTPTransport(
                endpoint: url, bearer: credential, timeout: max(timeout, callTimeout), addresses: addresses)
        }
        let session = MCPSession(server: server.name, transport: transport, process: process)
        relay.attach { closure in Task { await session.end(closure.reason, programEnded: closure.serverEnded) } }
        do {
            let initialized = try await session.initialize(within: timeout)
            guard Version.supported.contains(initialized.protocolVersion) else {
                throw ToolServerError(
                    server: server.name,
                    "it speaks MCP version `\(Quote.excerpt(initialized.protocolVersion.utf8))`; Charter speaks \(Version.supported.sorted().joined(separator: ", "))"
                )
            }
            var warnings: [String] = []
            var tools: [MCPTool] = []
            if initialized.capabilities.tools == nil {
                warnings.append("the server does not offer tools (its `initialize` answer has no `tools` capability)")
            } else {
                (tools, warnings) = try await list(server, session: session, within: timeout)
            }
            let info = initialized.serverInfo
            return MCPToolServer(
                server: server, tools: tools, warnings: warnings,
                serverInfo: Quote.excerpt("\(info.name) \(info.version)".utf8, limit: 200),
                protocolVersion: initialized.protocolVersion, session: session)
        } catch {
            await session.close()
            if let error = error as? ToolServerError { throw error }
            throw ToolServerError(server: server.name, "\(error)")
        }
    }

    /// Ends the connection and stops the program; calls in flight fail. Call it once the step is
    /// done, always: it also shuts down an http server's client, which must not be dropped open.
    public func close() async {
        await session.close()
    }

    /// Every page of `tools/list`, bounded, as agent tools.
    static func list(
        _ server: ToolServer, session: MCPSession, within timeout: Duration
    ) async throws -> ([MCPTool], [String]) {
        var tools: [MCPTool] = []
        var warnings: [String] = []
        var seen = Set<String>()
        var bytes = 0
        var cursor: String?
        var cursors = Set<String>()
        for page in 1...maxPages {
            let (listed, next) = try await session.listTools(cursor: cursor, within: timeout)
            for tool in listed {
                if tools.count == maxTools {
                    warnings.append("the server lists more than \(maxTools) tools; only the first \(maxTools) are used")
                    return (tools, warnings)
                }
                let shown = Quote.excerpt(tool.name.utf8, limit: 80)
                if let problem = nameProblem(tool.name) {
                    warnings.append("the tool `\(shown)` is skipped: its name \(problem)")
                    continue
                }
                guard seen.insert(tool.name).inserted else {
                    warnings.append("the tool `\(shown)` is listed twice; the first is used")
                    continue
                }
                let schema = CharterModel.Value(tool.inputSchema)
                guard case .object(let fields) = schema, fields["type"] == nil || fields["type"] == "object" else {
                    warnings.append("the tool `\(shown)` is skipped: its inputSchema is not an object schema")
                    continue
                }
                var summary = tool.description ?? tool.title ?? ""
                if summary.count > maxSummaryLength { summary = String(summary.prefix(maxSummaryLength)) + "…" }
                bytes += tool.name.utf8.count + summary.utf8.count + CanonicalJSON.string(schema).utf8.count
                if bytes > maxSchemaBytes {
                    warnings.append(
                        "the server's tool descriptions and schemas pass \(maxSchemaBytes / 1024) KiB at `\(shown)`; it and the tools after it are not used"
                    )
                    return (tools, warnings)
                }
                tools.append(
                    MCPTool(
                        server: server, remoteName: tool.name, summary: summary, parameters: schema, session: session))
            }
            guard let next else { return (tools, warnings) }
            guard cursors.insert(next).inserted, next.utf8.count <= 4096 else {
                warnings.append("the server's `tools/list` pages go round in a circle; listing stopped at page \(page)")
                return (tools, warnings)
            }
            cursor = next
        }
        warnings.append("the server's `tools/list` has more than \(maxPages) pages; only those were read")
        return (tools, warnings)
    }

    /// Why `name` cannot be a tool's name here, or nil: Role and Policy patterns must be able to
    /// name every tool exactly, and providers must be able to show it.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > maxToolNameLength { return "is longer than \(maxToolNameLength) characters" }
        if name.contains("*") { return "holds `*`, which patterns read as a wildcard" }
        if !name.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) {
            return "holds spaces, control characters or characters outside printable ASCII"
        }
        return nil
    }
}

/// Passes a transport's closure to the session once it exists, or keeps it until then.
final class ClosureRelay: Sendable {
    private let state = Locked<(handler: (@Sendable (TransportClosure) -> Void)?, pending: TransportClosure?)>(
        (nil, nil))

    func fire(_ closure: TransportClosure) {
        let handler = state.withLock { state in
            if state.handler == nil { state.pending = closure }
            return state.handler
        }
        handler?(closure)
    }

    func attach(_ handler: @escaping @Sendable (TransportClosure) -> Void) {
        let pending = state.withLock { state in
            state.handler = handler
            defer { state.pending = nil }
            return state.pending
        }
        if let pending { handler(pending) }
    }
}
