/// A piece of a streamed completion.
public enum CompletionChunk: Sendable, Hashable {
    /// More answer text, to append to what came before.
    case text(String)
    /// A whole tool call: providers gather a streamed call's pieces (OpenAI's `tool_calls`
    /// deltas, Anthropic's `input_json_delta`s) and yield it once it is complete.
    case toolCall(ToolCall)
    /// The end: always the last element of a successful stream, exactly once.
    case finished(model: String, finishReason: FinishReason, usage: TokenUsage)
}

/// Something that answers completion requests: an OpenAI-compatible or Anthropic endpoint, or the
/// built-in ``OfflineProvider``.
///
/// Providers are values shared across tasks; they hold their configuration (endpoint, model,
/// credential reference) and a client, and keep no per-request state. Rate limits, budgets, retries
/// and failover belong to the broker in front of them, not here: a provider makes one attempt and
/// reports what happened.
///
/// Errors: throw ``CompletionError`` for every failure of the provider (use
/// ``CompletionError/init(httpStatus:retryAfter:message:now:)`` for HTTP answers and
/// ``CompletionError/classify(_:)`` for client errors), and `CancellationError` when the calling
/// task was cancelled.
public protocol CompletionProvider: Sendable {
    /// A stable name for records and logs, such as the CapacitySource's name.
    var name: String { get }

    /// Answers `request` in one piece.
    func complete(_ request: CompletionRequest) async throws -> CompletionResponse

    /// Answers `request` as it is generated: ``CompletionChunk/text(_:)`` pieces and whole
    /// ``CompletionChunk/toolCall(_:)``s, then one
    /// ``CompletionChunk/finished(model:finishReason:usage:)`` carrying the usage.
    ///
    /// An SSE provider maps each `data:` event's delta to a `.text` chunk and the final usage event
    /// (OpenAI's `stream_options.include_usage`, Anthropic's `message_delta`) to `.finished`; it
    /// stops the HTTP request when the stream's consumer goes away (`onTermination`). The default
    /// implementation calls ``complete(_:)`` and yields its answer as one text chunk.
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error>
}

extension CompletionProvider {
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await complete(request)
                    continuation.yield(.text(response.text))
                    for call in response.toolCalls { continuation.yield(.toolCall(call)) }
                    continuation.yield(
                        .finished(model: response.model, finishReason: response.finishReason, usage: response.usage))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension CompletionResponse {
    /// Gathers a stream into the response it spells out, for callers that stream to show progress
    /// but record whole answers.
    ///
    /// - Throws: the stream's error, or ``CompletionError/Kind/transport`` when it ends without
    ///   its `.finished` chunk (a connection cut mid-answer), which is retryable.
    public init(collecting stream: AsyncThrowingStream<CompletionChunk, any Error>) async throws {
        var text = ""
        var calls: [ToolCall] = []
        for try await chunk in stream {
            switch chunk {
            case .text(let piece):
                text += piece
            case .toolCall(let call):
                calls.append(call)
            case .finished(let model, let finishReason, let usage):
                self.init(text: text, model: model, finishReason: finishReason, usage: usage, toolCalls: calls)
                return
            }
        }
        throw CompletionError(.transport, "the stream ended before the provider reported usage")
    }
}
