import CharterModel

/// A tool offered to the model in a request: what it is called on the wire, what it does, and the
/// JSON Schema its arguments must satisfy.
///
/// Providers send it as they expect (OpenAI's `tools[].function`, Anthropic's `tools[]` with
/// `input_schema`). Both limit names to `^[A-Za-z0-9_-]{1,64}$`, so the caller maps Charter's
/// dotted names to ``name`` before asking and back when the model calls one.
public struct ToolDefinition: Sendable, Hashable, Codable {
    /// The name the model calls the tool by: ASCII letters, digits, `_` and `-`, at most 64.
    public var name: String
    /// What the tool does and when to use it, for the model.
    public var description: String
    /// The JSON Schema (an `object` schema) of the arguments.
    public var parameters: Value

    /// A tool definition.
    public init(name: String, description: String, parameters: Value) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// Whether `name` is a name every provider accepts for a tool.
    public static func isWireName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x5F || byte == 0x2D
            }
    }
}

/// A call the model asked for: one of the tools it was offered (or not: the caller checks), with
/// arguments as the JSON text the model wrote, which may be malformed.
public struct ToolCall: Sendable, Hashable, Codable {
    /// The provider's id for the call, which the result must quote (`tool_call_id`, `tool_use_id`).
    public var id: String
    /// The tool's wire name, as the model wrote it.
    public var name: String
    /// The arguments' JSON text, unparsed: the caller validates it against the tool's schema.
    public var arguments: String

    /// A tool call.
    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
