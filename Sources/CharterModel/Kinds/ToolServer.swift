/// An MCP server whose tools agent steps may be given, as `mcp.<name>.<tool>`.
///
/// Either a program started inside the run's sandbox that speaks MCP over its stdin and stdout, or
/// a remote server reached over MCP's streamable HTTP transport. What the server's tools do to the
/// world is what the operator declares here (``readOnlyTools``, ``idempotentTools``), never what
/// the server says about them: a server's annotations are hints from the party being governed.
public struct ToolServer: Sendable, Hashable {
    /// How Charter reaches the server.
    public enum Transport: Sendable, Hashable {
        /// A program started in the run's sandbox, speaking MCP over its stdin and stdout.
        case stdio(StdioCommand)
        /// A remote server speaking MCP's streamable HTTP transport, at `url`, with the secret
        /// named `credential` sent as a bearer token.
        case http(url: String, credential: String?)
    }

    /// The program of a stdio server and what its sandbox adds to a shell step's.
    public struct StdioCommand: Sendable, Hashable {
        /// The argument vector; the first is the program, found on the sandbox's `PATH` unless it is
        /// a path.
        public var command: [String]
        /// Variables set for the program.
        public var environment: [String: String]
        /// `host:port` patterns (``NetworkRule`` text) the program may connect to through the egress
        /// proxy; a Policy's `runRules.network` must allow them too.
        public var network: [String]

        /// A command.
        public init(command: [String], environment: [String: String] = [:], network: [String] = []) {
            self.command = command
            self.environment = environment
            self.network = network
        }
    }

    /// The longest server name: `mcp.<name>.` leaves room for the tools' own names in the 64
    /// characters providers accept as a tool name.
    public static let maxNameLength = 32

    public var name: String
    public var description: String?
    public var transport: Transport
    /// Patterns (`*` wildcards) of the server's own tool names that only read.
    public var readOnlyTools: [String]
    /// Patterns of the server's own tool names that a repeat with the same arguments leaves as one
    /// call would.
    public var idempotentTools: [String]
    /// The longest one call may take, in milliseconds.
    public var timeoutMilliseconds: Int

    public init(name: String, spec s: Value) {
        self.name = name
        description = s["description"]?.string
        if let http = s["http"] {
            transport = .http(url: http["url"]?.string ?? "", credential: http["credential"]?.string)
        } else {
            let stdio = s["stdio"]
            transport = .stdio(
                StdioCommand(
                    command: stdio?["command"]?.strings ?? [], environment: stdio?["env"]?.stringMap ?? [:],
                    network: stdio?["network"]?["allow"]?.strings ?? []))
        }
        readOnlyTools = s["readOnlyTools"]?.strings ?? []
        idempotentTools = s["idempotentTools"]?.strings ?? []
        // Clamped: an applied state from before the range existed may hold any value.
        timeoutMilliseconds = DurationRange.toolCallTimeout.clamp(
            s["timeout"]?.string.flatMap(DurationText.parse) ?? 60_000)
    }

    /// `mcp.<name>.`: what every one of its tools' dotted names starts with.
    public var toolPrefix: String { "mcp.\(name)." }

    /// The dotted name Role and Policy patterns match for the server's tool `tool`.
    public func dottedName(ofTool tool: String) -> String { toolPrefix + tool }

    /// Whether the operator declared the server's tool `tool` read-only.
    public func isDeclaredReadOnly(_ tool: String) -> Bool {
        readOnlyTools.contains { Glob.matches($0, tool) }
    }

    /// Whether the operator declared the server's tool `tool` idempotent (or read-only, which is
    /// more).
    public func isDeclaredIdempotent(_ tool: String) -> Bool {
        isDeclaredReadOnly(tool) || idempotentTools.contains { Glob.matches($0, tool) }
    }
}
