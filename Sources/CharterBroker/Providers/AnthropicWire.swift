/// The Anthropic Messages wire format, as far as Charter uses it; answers are decoded leniently.
enum AnthropicWire {
    struct Request: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }
        var model: String
        var maxTokens: Int
        var system: String?
        var messages: [Message]
        var temperature: Double?
        var stream: Bool?

        enum CodingKeys: String, CodingKey {
            case model, system, messages, temperature, stream
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

    struct ContentBlock: Decodable {
        var type: String?
        var text: String?
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
            var stopReason: String?
            enum CodingKeys: String, CodingKey {
                case type, text
                case stopReason = "stop_reason"
            }
        }
        var type: String?
        var message: Message?
        var contentBlock: ContentBlock?
        var delta: Delta?
        var usage: Usage?
        var error: ErrorBody?

        enum CodingKeys: String, CodingKey {
            case type, message, delta, usage, error
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
