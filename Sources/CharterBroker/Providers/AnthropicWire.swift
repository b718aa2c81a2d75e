import CharterModel

/// The Anthropic Messages wire format, as far as Charter uses it; answers are decoded leniently.
enum AnthropicWire {
    struct Request: Encodable {
        /// A message: plain text as a string (the bytes a request without tools always had), or
        /// content blocks once tool calls or results are involved.
        struct Message: Encodable {
            var role: String
            var content: Content

            enum CodingKeys: String, CodingKey { case role, content }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(role, forKey: .role)
                switch content {
                case .text(let text): try container.encode(text, forKey: .content)
                case .blocks(let blocks): try container.encode(blocks, forKey: .content)
                }
            }
        }
        enum Content {
            case text(String)
            case blocks([Block])
        }
        /// `text`, `tool_use` (an assistant's call, its input an object) and `tool_result` (the
        /// answer to one, in the next user message).
        enum Block: Encodable {
            case text(String)
            case toolUse(id: String, name: String, input: [String: Value])
            case toolResult(toolUseID: String, content: String, isError: Bool)

            enum CodingKeys: String, CodingKey {
                case type, text, id, name, input, content
                case toolUseID = "tool_use_id"
                case isError = "is_error"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                switch self {
                case .text(let text):
                    try container.encode("text", forKey: .type)
                    try container.encode(text, forKey: .text)
                case .toolUse(let id, let name, let input):
                    try container.encode("tool_use", forKey: .type)
                    try container.encode(id, forKey: .id)
                    try container.encode(name, forKey: .name)
                    try container.encode(input, forKey: .input)
                case .toolResult(let toolUseID, let content, let isError):
                    try container.encode("tool_result", forKey: .type)
                    try container.encode(toolUseID, forKey: .toolUseID)
                    // `content` is optional; an empty one is left out rather than sent as "".
                    if !content.isEmpty { try container.encode(content, forKey: .content) }
                    try container.encode(isError, forKey: .isError)
                }
            }
        }
        /// `{"name", "description", "input_schema"}`.
        struct Tool: Encodable {
            var name: String
            var description: String
            var inputSchema: Value
            enum CodingKeys: String, CodingKey {
                case name, description
                case inputSchema = "input_schema"
            }
        }
        var model: String
        var maxTokens: Int
        var system: String?
        var messages: [Message]
        var temperature: Double?
        var stream: Bool?
        var tools: [Tool]?

        enum CodingKeys: String, CodingKey {
            case model, system, messages, temperature, stream, tools
            case maxTokens = "max_tokens"
        }
    }

    struct Usage: Decodable {
        var inputTokens: Int?
        var outputTokens: Int?
        var cacheCreationInputTokens: Int?
        var cacheReadInputTokens: Int?

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
            case cacheCreationInputTokens = "cache_creation_input_tokens"
            case cacheReadInputTokens = "cache_read_input_tokens"
        }

        /// Anthropic's `input_tokens` counts only the uncached part after the last cache
        /// breakpoint, so ``TokenUsage/input`` adds the cache writes and reads back in. Thinking
        /// tokens are part of `output_tokens` and not reported apart, so `reasoning` stays 0.
        var tokenUsage: TokenUsage {
            let cached = cacheReadInputTokens ?? 0
            return TokenUsage(
                input: (inputTokens ?? 0) + (cacheCreationInputTokens ?? 0) + cached, output: outputTokens ?? 0,
                cachedInput: cached)
        }

        /// `self` with the fields `later` reports replacing the earlier ones (`message_delta`
        /// repeats the totals so far).
        func updated(with later: Usage) -> Usage {
            Usage(
                inputTokens: later.inputTokens ?? inputTokens, outputTokens: later.outputTokens ?? outputTokens,
                cacheCreationInputTokens: later.cacheCreationInputTokens ?? cacheCreationInputTokens,
                cacheReadInputTokens: later.cacheReadInputTokens ?? cacheReadInputTokens)
        }
    }

    struct ErrorBody: Decodable {
        var type: String?
        var message: String?

        /// The HTTP status Anthropic documents for each error type, to classify errors that arrive
        /// inside a stream after a 200 head.
        var status: Int {
            switch type {
            case "invalid_request_error": 400
            case "authentication_error": 401
            case "permission_error": 403
            case "not_found_error": 404
            case "request_too_large": 413
            case "rate_limit_error": 429
            case "timeout_error": 408
            case "overloaded_error": 529
            default: 500
            }
        }
        var text: String { (message ?? "unknown error") + (type.map { " (\($0))" } ?? "") }
    }

    /// A content block of an answer: `text`, `tool_use` (`id`, `name`, `input`), or a type Charter
    /// does not use (thinking, server tools…), which is skipped. Decoded field by field, so an
    /// unknown block's fields never fail the whole answer.
    struct ContentBlock: Decodable {
        var type: String?
        var text: String?
        var id: String?
        var name: String?
        var input: Value?

        enum CodingKeys: String, CodingKey { case type, text, id, name, input }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try? container.decodeIfPresent(String.self, forKey: .type)
            text = try? container.decodeIfPresent(String.self, forKey: .text)
            guard type == "tool_use" else { return }
            id = try? container.decodeIfPresent(String.self, forKey: .id)
            name = try? container.decodeIfPresent(String.self, forKey: .name)
            input = try? container.decodeIfPresent(Value.self, forKey: .input)
        }
    }

    struct Message: Decodable {
        var type: String?
        var model: String?
        var content: [ContentBlock]?
        var stopReason: String?
        var usage: Usage?
        var error: ErrorBody?

        enum CodingKeys: String, CodingKey {
            case type, model, content, usage, error
            case stopReason = "stop_reason"
        }
    }

    /// Any streamed event's data; which fields are present depends on `type`.
    struct Event: Decodable {
        struct Delta: Decodable {
            var type: String?
            var text: String?
            var partialJSON: String?
            var stopReason: String?
            enum CodingKeys: String, CodingKey {
                case type, text
                case partialJSON = "partial_json"
                case stopReason = "stop_reason"
            }
        }
        var type: String?
        var index: Int?
        var message: Message?
        var contentBlock: ContentBlock?
        var delta: Delta?
        var usage: Usage?
        var error: ErrorBody?

        enum CodingKeys: String, CodingKey {
            case type, index, message, delta, usage, error
            case contentBlock = "content_block"
        }
    }

    /// `stop_reason` as a ``FinishReason``; unknown or absent reasons count as `stop`.
    static func finishReason(_ value: String?) -> FinishReason {
        switch value {
        case "max_tokens", "model_context_window_exceeded": .length
        case "tool_use": .toolCall
        case "refusal": .contentFilter
        default: .stop
        }
    }
}
