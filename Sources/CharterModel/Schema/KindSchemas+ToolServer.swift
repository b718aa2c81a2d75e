extension KindSchemas {
    /// The most arguments of a stdio ToolServer's command.
    static let commandArguments = 64

    static let toolServerStdio = ObjectSchema(
        "stdio server",
        "A program Charter starts inside the run's sandbox for each agent step that may use it (the same sandbox as shell steps: the workspace at `/workspace`, a minimal read-only system, no network unless granted), speaking MCP over its stdin and stdout. Its stderr goes to a capped log.",
        properties: [
            Property(
                "command",
                .array(
                    ArraySchema(
                        "The argument vector: the program (found on the sandbox's `PATH` unless it is a path), then its arguments. Never parsed by a shell.",
                        items: .string(
                            StringSchema("An argument.", maxLength: SchemaLimits.pathLength)),
                        minItems: 1, maxItems: commandArguments)),
                required: true),
            Property(
                "env",
                .map(
                    MapSchema(
                        "Environment variables for the program, beside the sandbox's own (`PATH`, `HOME=/workspace`, …).",
                        keyPattern: Patterns.identifier,
                        values: .string(StringSchema("A value.", maxLength: SchemaLimits.pathLength)),
                        maxEntries: SchemaLimits.stepEntries)),
                default: .object([:])),
            Property(
                "network",
                .object(
                    ObjectSchema(
                        "server network", "Where the program may connect, through Charter's egress proxy.",
                        properties: [
                            Property(
                                "allow",
                                .array(
                                    ArraySchema(
                                        "`host:port` destinations, as a shell step's `network`; a Policy's runRules.network must allow them too.",
                                        items: str("A `host:port` pattern.", max: 300),
                                        maxItems: SchemaLimits.stepEntries, uniqueItems: true)),
                                default: [])
                        ])),
                default: ["allow": []]),
        ])

    static let toolServerHTTP = ObjectSchema(
        "http server",
        "A remote server speaking MCP's streamable HTTP transport, reached by the controller itself (like a CapacitySource endpoint), not from the sandbox.",
        properties: [
            Property(
                "url",
                .string(
                    StringSchema(
                        "The MCP endpoint: `https`, or `http` to a loopback address (`127.0.0.1`, `[::1]`, `localhost`); a host, an optional port (1–65535) and path; no user, password, query or fragment.",
                        pattern: Patterns.httpURL, maxLength: SchemaLimits.urlLength)),
                required: true),
            Property(
                "credential",
                name(
                    "The name of a secret (a file in the controller's credentials directory) sent as `Authorization: Bearer …`; a Policy's runRules.secrets must grant it."
                )),
        ])

    static let toolServer = ObjectSchema(
        "ToolServer spec",
        "An MCP server whose tools agent steps may be given, named `mcp.<server>.<tool>` (the server's name is at most 32 characters).",
        properties: [
            Property("description", str("What the server is for.")),
            Property("stdio", .object(toolServerStdio)),
            Property("http", .object(toolServerHTTP)),
            Property(
                "readOnlyTools",
                .array(
                    ArraySchema(
                        "Patterns (`*` wildcards) of the server's own tool names (`git_status`, `git_log`, `get_*`) that only read. What the server itself says about its tools is not trusted: the operator declares it.",
                        items: .string(
                            StringSchema(
                                "A tool name pattern.", pattern: Patterns.toolPattern, maxLength: toolPatternLength)),
                        maxItems: SchemaLimits.ruleEntries, uniqueItems: true)),
                default: []),
            Property(
                "idempotentTools",
                .array(
                    ArraySchema(
                        "Patterns of the server's tool names that change things, but that a repeat with the same arguments leaves as one call would. Every tool neither list matches is side-effecting: after a crash during its call, it is never run again.",
                        items: .string(
                            StringSchema(
                                "A tool name pattern.", pattern: Patterns.toolPattern, maxLength: toolPatternLength)),
                        maxItems: SchemaLimits.ruleEntries, uniqueItems: true)),
                default: []),
            Property(
                "timeout",
                duration("The longest one call may take (the step's own timeout still applies).", .toolCallTimeout),
                default: "1m"),
        ],
        exactlyOneOf: ["stdio", "http"])
}
