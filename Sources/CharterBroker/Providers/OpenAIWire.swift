/// The Chat Completions wire format, as far as Charter uses it. Answers are decoded leniently
/// (every field optional) because OpenAI-compatible servers differ in what they include.
enum OpenAIWire {
    struct Request: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
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

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stream
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

    struct Completion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
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
            struct Delta: Decodable { var content: String? }
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
