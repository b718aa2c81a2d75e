import CharterModel

/// The Chat Completions wire format, as far as Charter uses it. Answers are decoded leniently
/// (every field optional) because OpenAI-compatible servers differ in what they include.
enum OpenAIWire {
    struct Request: Encodable {
        /// A message. `content` is `null` only for an assistant message that has nothing but tool
        /// calls; `tool_calls` and `tool_call_id` are left out when empty, so a request without
        /// tools is the same bytes as before tools existed.
        struct Message: Encodable {
            var role: String
            var content: String?
            var toolCalls: [ToolCall]?
            var toolCallID: String?

            enum CodingKeys: String, CodingKey {
                case role, content
                case toolCalls = "tool_calls"
                case toolCallID = "tool_call_id"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(role, forKey: .role)
                if let content {
                    try container.encode(content, forKey: .content)
                } else {
                    try container.encodeNil(forKey: .content)
                }
                try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
                try container.encodeIfPresent(toolCallID, forKey: .toolCallID)
            }
        }
        /// `{"id", "type": "function", "function": {"name", "arguments"}}`: arguments stay the
        /// text the model wrote.
        struct ToolCall: Encodable {
            struct Function: Encodable {
                var name: String
                var arguments: String
            }
            var id: String
            var type = "function"
            var function: Function
        }
        /// `{"type": "function", "function": {"name", "description", "parameters"}}`.
        struct Tool: Encodable {
            struct Function: Encodable {
                var name: String
                var description: String
                var parameters: Value
            }
            var type = "function"
            var function: Function
        }
        struct StreamOptions: Encodable {
            var includeUsage: Bool
            enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
        }
        var model: String
        var messages: [Message]
        var maxTokens: Int?
        var maxCompletionTokens: Int?
        var temperature: Double?
        var stream: Bool?
        var streamOptions: StreamOptions?
        var tools: [Tool]?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stream, tools
            case maxTokens = "max_tokens"
            case maxCompletionTokens = "max_completion_tokens"
            case streamOptions = "stream_options"
        }
    }

    struct Usage: Decodable {
        struct PromptDetails: Decodable {
            var cachedTokens: Int?
            enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
        }
        struct CompletionDetails: Decodable {
            var reasoningTokens: Int?
            enum CodingKeys: String, CodingKey { case reasoningTokens = "reasoning_tokens" }
        }
        var promptTokens: Int?
        var completionTokens: Int?
        var promptTokensDetails: PromptDetails?
        var completionTokensDetails: CompletionDetails?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case promptTokensDetails = "prompt_tokens_details"
            case completionTokensDetails = "completion_tokens_details"
        }

        /// OpenAI's `prompt_tokens` already includes the cached ones, and `completion_tokens` the
        /// reasoning ones, as ``TokenUsage`` counts them.
        var tokenUsage: TokenUsage {
            TokenUsage(
                input: promptTokens ?? 0, output: completionTokens ?? 0,
                cachedInput: promptTokensDetails?.cachedTokens ?? 0,
                reasoning: completionTokensDetails?.reasoningTokens ?? 0)
        }
    }

    struct ErrorBody: Decodable {
        var message: String?
        var type: String?
        var code: Code?

        /// `code` is a string at OpenAI and a number at some compatible servers.
        enum Code: Decodable {
            case text(String), number(Int)
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Int.self) {
                    self = .number(number)
                } else {
                    self = .text(try container.decode(String.self))
                }
            }
        }
    }

    /// `error` is an object at OpenAI and vLLM and a plain string at Ollama.
    enum ErrorField: Decodable {
        case object(ErrorBody), text(String)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .object(try container.decode(ErrorBody.self))
            }
        }
        var message: String {
            switch self {
            case .text(let text): text
            case .object(let body): (body.message ?? "unknown error") + (body.type.map { " (\($0))" } ?? "")
            }
        }
        /// An HTTP status to classify an in-stream error by, when the server gave one.
        var status: Int? {
            if case .object(let body) = self, case .number(let code)? = body.code, (400...599).contains(code) {
                return code
            }
            return nil
        }
    }

    /// A tool call in an answer, whole (`message.tool_calls[]`) or in pieces (`delta.tool_calls[]`):
    /// the first piece of a streamed call carries its `index`, `id` and `function.name`, later
    /// ones the same `index` and more `function.arguments`. Decoded field by field, so a field of
    /// an unexpected type is dropped rather than failing the whole answer.
    struct ToolCallPiece: Decodable {
        var index: Int?
        var id: String?
        var name: String?
        var arguments: String?

        enum CodingKeys: String, CodingKey { case index, id, function }
        enum FunctionKeys: String, CodingKey { case name, arguments }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try? container.decodeIfPresent(Int.self, forKey: .index)
            id = try? container.decodeIfPresent(String.self, forKey: .id)
            guard let function = try? container.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function) else {
                return
            }
            name = try? function.decodeIfPresent(String.self, forKey: .name)
            if let text = try? function.decodeIfPresent(String.self, forKey: .arguments) {
                arguments = text
            } else if let value = try? function.decodeIfPresent(Value.self, forKey: .arguments) {
                // Some servers send the arguments as a JSON object rather than as its text.
                arguments = ToolCallSupport.argumentsText(value)
            }
        }
    }

    struct Completion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
                var toolCalls: [ToolCallPiece]?
                enum CodingKeys: String, CodingKey {
                    case content
                    case toolCalls = "tool_calls"
                }
            }
            var message: Message?
            var finishReason: String?
            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorField?
    }

    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable {
                var content: String?
                var toolCalls: [ToolCallPiece]?
                enum CodingKeys: String, CodingKey {
                    case content
                    case toolCalls = "tool_calls"
                }
            }
            var delta: Delta?
            var finishReason: String?
            enum CodingKeys: String, CodingKey {
                case delta
                case finishReason = "finish_reason"
            }
        }
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorField?
    }

    /// `finish_reason` as a ``FinishReason``; unknown or absent reasons count as `stop`.
    static func finishReason(_ value: String?) -> FinishReason {
        switch value {
        case "length": .length
        case "content_filter": .contentFilter
        case "tool_calls", "function_call": .toolCall
        default: .stop
        }
    }
}

/// Gathers the pieces of streamed tool calls (`delta.tool_calls[]`) into whole calls.
///
/// Pieces are grouped by `index`: the first to name an index starts the call, with its `id` and
/// `function.name`; every piece appends its `function.arguments` fragment. Servers that send no
/// `index` (some send each call whole) are handled too: a piece without one starts a new call when
/// it carries a different id, or a name while the current call has one; otherwise it continues
/// the current call.
struct OpenAIToolCallAssembly {
    private struct Pending {
        var id: String?
        var name = ""
        var arguments = ""
    }
    private var pending: [Int: Pending] = [:]
    private var current: Int?
    /// Calls already handed out, so indices keep counting after a drain.
    private var drained = 0

    var isEmpty: Bool { pending.isEmpty }

    mutating func add(_ piece: OpenAIWire.ToolCallPiece) {
        let index: Int
        if let given = piece.index {
            index = given
        } else if let current, let call = pending[current], Self.continues(call, with: piece) {
            index = current
        } else {
            index = (pending.keys.max() ?? current ?? -1) + 1
        }
        current = index
        var call = pending[index] ?? Pending()
        if let id = piece.id, !id.isEmpty, call.id == nil { call.id = id }
        if let name = piece.name, !name.isEmpty, call.name.isEmpty { call.name = name }
        if let fragment = piece.arguments { call.arguments += fragment }
        pending[index] = call
    }

    /// Whether a piece without an index continues `call`: not when it names another id, nor when
    /// it names a tool without an id while `call` already has its name.
    private static func continues(_ call: Pending, with piece: OpenAIWire.ToolCallPiece) -> Bool {
        if let id = piece.id, !id.isEmpty { return id == call.id }
        return (piece.name ?? "").isEmpty || call.name.isEmpty
    }

    /// The calls gathered so far, in index order, with ids for those the server sent without one;
    /// the assembly is empty afterwards.
    mutating func drain(for request: CompletionRequest) -> [ToolCall] {
        let calls = pending.keys.sorted().enumerated().map { position, index in
            let call = pending[index]!
            return ToolCall(
                id: call.id ?? ToolCallSupport.synthesizedID(request, index: drained + position), name: call.name,
                arguments: call.arguments)
        }
        drained += calls.count
        pending = [:]
        return calls
    }
}
