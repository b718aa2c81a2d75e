/// Tokens a completion used, as the provider counted them (or estimated, for the offline provider).
public struct TokenUsage: Sendable, Hashable, Codable {
    /// Prompt tokens, cached ones included.
    public var input: Int
    /// Answer tokens, reasoning ones included.
    public var output: Int
    /// The part of ``input`` served from the provider's prompt cache (billed at the cached price).
    public var cachedInput: Int
    /// The part of ``output`` spent on hidden reasoning.
    public var reasoning: Int

    /// Usage figures; the parts default to zero.
    public init(input: Int, output: Int, cachedInput: Int = 0, reasoning: Int = 0) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.reasoning = reasoning
    }

    /// No tokens.
    public static let zero = TokenUsage(input: 0, output: 0)

    /// Input plus output.
    public var total: Int { input + output }

    /// The sum of two usages, for a step's or a day's totals.
    public static func + (a: TokenUsage, b: TokenUsage) -> TokenUsage {
        TokenUsage(
            input: a.input + b.input, output: a.output + b.output, cachedInput: a.cachedInput + b.cachedInput,
            reasoning: a.reasoning + b.reasoning)
    }
}

/// Why the model stopped writing.
public enum FinishReason: String, Sendable, Hashable, Codable {
    /// It finished its answer.
    case stop
    /// It reached ``CompletionRequest/maxOutputTokens``; the text is cut short.
    case length
    /// The provider's safety filter withheld (part of) the answer.
    case contentFilter = "content_filter"
    /// It asked to call a tool.
    case toolCall = "tool_call"
}

/// A finished completion.
public struct CompletionResponse: Sendable, Hashable, Codable {
    /// The answer.
    public var text: String
    /// The model that answered, as the provider names it.
    public var model: String
    /// Why the model stopped.
    public var finishReason: FinishReason
    /// The tools the model asked to call, in order; the caller runs them and asks again with
    /// their results. Non-empty with ``FinishReason/toolCall``: providers report it even when a
    /// server says `stop` with calls (Ollama does); `length` with calls means they may be cut short.
    public var toolCalls: [ToolCall]
    /// Tokens used.
    public var usage: TokenUsage
    /// What the broker recorded for the answering attempt; nil from a provider called directly.
    public var accounting: Accounting?

    /// Where a brokered answer came from and what it cost, as settled in the usage ledger.
    public struct Accounting: Sendable, Hashable, Codable {
        /// The CapacitySource that answered.
        public var source: String
        /// The call's cost in micro-USD, from the source's prices.
        public var costMicros: Int64
        /// The ledger row's id.
        public var ledgerID: Int64

        /// Accounting figures.
        public init(source: String, costMicros: Int64, ledgerID: Int64) {
            self.source = source
            self.costMicros = costMicros
            self.ledgerID = ledgerID
        }
    }

    /// A response.
    public init(
        text: String, model: String, finishReason: FinishReason, usage: TokenUsage, toolCalls: [ToolCall] = []
    ) {
        self.text = text
        self.model = model
        self.finishReason = finishReason
        self.usage = usage
        self.toolCalls = toolCalls
    }

    private enum CodingKeys: String, CodingKey { case text, model, finishReason, toolCalls, usage, accounting }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(String.self, forKey: .text)
        model = try container.decode(String.self, forKey: .model)
        finishReason = try container.decode(FinishReason.self, forKey: .finishReason)
        toolCalls = try container.decodeIfPresent([ToolCall].self, forKey: .toolCalls) ?? []
        usage = try container.decode(TokenUsage.self, forKey: .usage)
        accounting = try container.decodeIfPresent(Accounting.self, forKey: .accounting)
    }
}
