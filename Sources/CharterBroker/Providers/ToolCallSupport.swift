import CharterModel
import Foundation

/// What both wire formats need to send and receive tool calls the same way.
enum ToolCallSupport {
    /// The id for a call the server sent without one: `call_<n>`, where `n` counts the calls
    /// already in the request's conversation plus the call's place in the answer, so ids stay
    /// unique across the turns of one conversation and the same answer always gets the same id.
    static func synthesizedID(_ request: CompletionRequest, index: Int) -> String {
        "call_\(request.messages.reduce(0) { $0 + $1.toolCalls.count } + index)"
    }

    /// A call's arguments as a JSON object, for a wire format that sends them as one (Anthropic's
    /// `input`); `nil` when the text is malformed or not an object. The model wrote them and may
    /// have got them wrong: the caller answered such a call with an error result, and the
    /// conversation must still be sendable.
    static func argumentsObject(_ text: String) -> [String: Value]? {
        guard case .object(let object)? = try? JSONDecoder().decode(Value.self, from: Data(text.utf8)) else {
            return nil
        }
        return object
    }

    /// Arguments a server sent as JSON rather than as text, as canonical JSON text (sorted keys,
    /// no whitespace), so the same arguments always read the same.
    static func argumentsText(_ value: Value) -> String { CanonicalJSON.string(value) }

    /// The finish reason to report: a server that stops with tool calls but says `stop` (Ollama,
    /// some llama.cpp builds) asked for tool calls all the same, so callers may rely on
    /// ``FinishReason/toolCall``.
    static func finishReason(_ reason: FinishReason, calls: [ToolCall]) -> FinishReason {
        reason == .stop && !calls.isEmpty ? .toolCall : reason
    }

    /// `call` with the key removed from its fields, like answer text: a server echoing request
    /// headers could put the key in a call's arguments, which reach the journal.
    static func scrubbed(_ call: ToolCall, _ transport: ProviderTransport) -> ToolCall {
        ToolCall(
            id: transport.scrub(call.id), name: transport.scrub(call.name), arguments: transport.scrub(call.arguments))
    }
}

extension CompletionRequest {
    /// Refuses, before anything is sent, a request every provider would refuse.
    /// - Throws: ``CompletionError/Kind/invalidRequest`` for a request without messages, a
    ///   non-positive token limit, a tool name that is not a wire name or is offered twice, or a
    ///   tool result without the id of the call it answers.
    func validate() throws {
        guard !messages.isEmpty else { throw CompletionError(.invalidRequest, "the request has no messages") }
        guard maxOutputTokens > 0 else {
            throw CompletionError(.invalidRequest, "maxOutputTokens must be positive, not \(maxOutputTokens)")
        }
        var names: Set<String> = []
        for tool in tools {
            guard ToolDefinition.isWireName(tool.name) else {
                throw CompletionError(
                    .invalidRequest,
                    "the tool name \(Excerpt.cut(tool.name)) is not a wire name (ASCII letters, digits, _ and -, 1 to 64)"
                )
            }
            guard names.insert(tool.name).inserted else {
                throw CompletionError(.invalidRequest, "the tool \(tool.name) is offered twice")
            }
        }
        for message in messages where message.role == .tool && (message.toolCallID ?? "").isEmpty {
            throw CompletionError(.invalidRequest, "a tool result does not name the call it answers")
        }
    }
}
