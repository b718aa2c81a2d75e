import AsyncHTTPClient
import CharterModel
import Foundation

/// A provider for the OpenAI Chat Completions API and the servers that speak it: OpenAI, vLLM,
/// Ollama, the llama.cpp server, LM Studio and a LiteLLM proxy.
///
/// It POSTs to `{endpoint}/chat/completions`, where the endpoint is the API's base URL including
/// its version (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`), with
/// `Authorization: Bearer KEY` when there is a key (local servers usually need none). The system
/// text is the first message, with role `system`. Streaming sets `stream: true` and
/// `stream_options: {"include_usage": true}`, so the last event before `data: [DONE]` carries the
/// usage; a server that ignores the option produces a stream without usage, which fails as a
/// retryable transport error rather than an answer nobody can account for.
///
/// Usage: `prompt_tokens` (cached included), `completion_tokens` (reasoning included),
/// `prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens`.
public struct OpenAICompatibleProvider: CompletionProvider, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// Which request field carries ``CompletionRequest/maxOutputTokens``.
    public enum TokenLimitField: String, Sendable, Hashable {
        /// `max_tokens`: understood by every compatible server.
        case maxTokens = "max_tokens"
        /// `max_completion_tokens`: required by OpenAI's reasoning models, which refuse `max_tokens`.
        case maxCompletionTokens = "max_completion_tokens"
    }

    public let name: String
    /// The API's base URL, without a trailing slash.
    public let endpoint: String
    /// The model asked for when the request names none.
    public let model: String
    /// Which field limits the answer's length.
    public let tokenLimitField: TokenLimitField
    private let transport: ProviderTransport

    /// A provider for the API at `endpoint` (its base URL, such as `https://api.openai.com/v1`).
    ///
    /// - Parameters:
    ///   - apiKey: sent as a bearer token; `nil` sends no `Authorization` header.
    ///   - client: the shared client, whose configuration bounds connecting and idle reads.
    ///   - overallTimeout: the most time for a whole call, answer included.
    ///   - addresses: where requests may go; the endpoint's host, and what a name resolves to, is
    ///     checked before every request (public addresses only, by default).
    public init(
        name: String, endpoint: String, model: String, apiKey: APIKey?, client: HTTPClient,
        overallTimeout: Duration = ProviderTimeouts.default.overall, tokenLimitField: TokenLimitField = .maxTokens,
        addresses: OutboundAddressRules = .publicOnly
    ) {
        self.name = name
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.model = model
        self.tokenLimitField = tokenLimitField
        self.transport = ProviderTransport(
            providerName: name, client: client, overall: overallTimeout, apiKey: apiKey, addresses: addresses)
    }

    public var description: String {
        "OpenAICompatibleProvider(name: \(name), endpoint: \(CompletionError.redact(endpoint)), model: \(model), "
            + "key: \(transport.apiKey == nil ? "none" : "***"))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "endpoint": CompletionError.redact(endpoint), "model": model])
    }

    /// The URL requests go to.
    public var url: String { endpoint + "/chat/completions" }

    public func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        let httpRequest = try httpRequest(for: request, streaming: false)
        let transport = self.transport
        let fallbackModel = request.model ?? model
        return try await transport.run {
            let response = try await transport.send(httpRequest)
            let body = try await transport.collect(response)
            let completion: OpenAIWire.Completion
            do {
                completion = try JSONDecoder().decode(OpenAIWire.Completion.self, from: Data(body))
            } catch {
                throw transport.invalidAnswer("the body is not a chat completion (\(Self.describe(error)))")
            }
            if let error = completion.error {
                throw CompletionError(
                    httpStatus: error.status ?? 500, message: "\(transport.providerName): \(error.message)")
            }
            guard let choice = completion.choices?.first else { throw transport.invalidAnswer("no choices") }
            guard let usage = completion.usage else { throw transport.invalidAnswer("no usage") }
            let calls = (choice.message?.toolCalls ?? []).enumerated().map { position, piece in
                ToolCallSupport.scrubbed(
                    ToolCall(
                        id: piece.id.flatMap { $0.isEmpty ? nil : $0 }
                            ?? ToolCallSupport.synthesizedID(request, index: position),
                        name: piece.name ?? "", arguments: Self.arguments(piece.arguments ?? "")),
                    transport)
            }
            return CompletionResponse(
                text: transport.scrub(choice.message?.content ?? ""), model: completion.model ?? fallbackModel,
                finishReason: ToolCallSupport.finishReason(OpenAIWire.finishReason(choice.finishReason), calls: calls),
                usage: usage.tokenUsage, toolCalls: calls)
        }
    }

    /// A call's arguments as received; none at all (a tool without parameters, on some servers)
    /// means no arguments: `{}`.
    static func arguments(_ text: String) -> String { text.isEmpty ? "{}" : text }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let httpRequest: HTTPClientRequest
            do {
                httpRequest = try self.httpRequest(for: request, streaming: true)
            } catch {
                continuation.finish(throwing: error)
                return
            }
            let transport = self.transport
            let fallbackModel = request.model ?? model
            let task = Task {
                do {
                    try await transport.run {
                        let response = try await transport.send(httpRequest)
                        try await Self.readStream(
                            response, request: request, transport: transport, fallbackModel: fallbackModel,
                            into: continuation)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Turns `data:` events into chunks; finishes with the usage event's figures at `[DONE]` (or at
    /// the end of the body, when the usage arrived but the marker did not).
    ///
    /// Tool calls arrive in pieces and are yielded whole, in index order, when a `finish_reason`
    /// arrives (or at the end, for a server that sends none); a stream cut before then yields none,
    /// so a half-written call never reaches the consumer.
    private static func readStream(
        _ response: HTTPClientResponse, request: CompletionRequest, transport: ProviderTransport,
        fallbackModel: String, into continuation: AsyncThrowingStream<CompletionChunk, any Error>.Continuation
    ) async throws {
        var scrubber = SecretScrubber(key: transport.apiKey)
        var model: String?
        var finishReason: String?
        var usage: TokenUsage?
        var assembly = OpenAIToolCallAssembly()
        var calls: [ToolCall] = []
        func yieldCalls() {
            guard !assembly.isEmpty else { return }
            // Text held back by the scrubber came before the calls; keep the order.
            let rest = scrubber.finish()
            if !rest.isEmpty { continuation.yield(.text(rest)) }
            for call in assembly.drain(for: request) {
                let call = ToolCallSupport.scrubbed(
                    ToolCall(id: call.id, name: call.name, arguments: arguments(call.arguments)), transport)
                calls.append(call)
                continuation.yield(.toolCall(call))
            }
        }
        let decoder = JSONDecoder()
        try await transport.events(response) { event in
            guard event.data != "[DONE]" else { return false }
            let chunk: OpenAIWire.Chunk
            do {
                chunk = try decoder.decode(OpenAIWire.Chunk.self, from: Data(event.data.utf8))
            } catch {
                throw transport.invalidAnswer("an event is not a chat completion chunk (\(describe(error)))")
            }
            if let error = chunk.error {
                // An error after the 200 head: the server failed mid-answer.
                throw CompletionError(
                    httpStatus: error.status ?? 500, message: "\(transport.providerName): \(error.message)")
            }
            if let value = chunk.model, !value.isEmpty { model = value }
            for choice in chunk.choices ?? [] {
                if let content = choice.delta?.content, !content.isEmpty {
                    let text = scrubber.push(content)
                    if !text.isEmpty { continuation.yield(.text(text)) }
                }
                for piece in choice.delta?.toolCalls ?? [] { assembly.add(piece) }
                if let reason = choice.finishReason {
                    finishReason = reason
                    yieldCalls()
                }
            }
            if let value = chunk.usage { usage = value.tokenUsage }
            return true
        }
        guard let usage else {
            throw CompletionError(
                .transport, "\(transport.providerName): the stream ended before the provider reported usage")
        }
        yieldCalls()
        let rest = scrubber.finish()
        if !rest.isEmpty { continuation.yield(.text(rest)) }
        let reason = ToolCallSupport.finishReason(OpenAIWire.finishReason(finishReason), calls: calls)
        continuation.yield(.finished(model: model ?? fallbackModel, finishReason: reason, usage: usage))
    }

    /// The HTTP request for `request`.
    /// - Throws: ``CompletionError/Kind/invalidRequest`` for a request without messages, with a
    ///   non-positive token limit, a tool name no provider accepts, or a tool result without the id
    ///   of its call, before anything is sent.
    func httpRequest(for request: CompletionRequest, streaming: Bool) throws -> HTTPClientRequest {
        try request.validate()
        var messages = request.system.map { [OpenAIWire.Request.Message(role: "system", content: $0)] } ?? []
        messages += request.messages.map(Self.wireMessage)
        var body = OpenAIWire.Request(
            model: request.model ?? model, messages: messages, temperature: request.temperature)
        if !request.tools.isEmpty {
            body.tools = request.tools.map {
                .init(function: .init(name: $0.name, description: $0.description, parameters: $0.parameters))
            }
        }
        switch tokenLimitField {
        case .maxTokens: body.maxTokens = request.maxOutputTokens
        case .maxCompletionTokens: body.maxCompletionTokens = request.maxOutputTokens
        }
        if streaming {
            body.stream = true
            body.streamOptions = .init(includeUsage: true)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(body))
        let headers = transport.apiKey.map { [("authorization", "Bearer \($0.value)")] } ?? []
        return transport.request(url: url, headers: headers, body: bytes, streaming: streaming)
    }

    /// `message` as Chat Completions has it: an assistant's calls as `tool_calls` (with `content`
    /// null when it wrote no text), a tool result as a `tool` message quoting `tool_call_id`.
    /// Chat Completions has no error flag for results, so a failed call's result says so in its
    /// text: `error: …`.
    static func wireMessage(_ message: CompletionMessage) -> OpenAIWire.Request.Message {
        switch message.role {
        case .assistant where !message.toolCalls.isEmpty:
            OpenAIWire.Request.Message(
                role: "assistant", content: message.content.isEmpty ? nil : message.content,
                toolCalls: message.toolCalls.map {
                    .init(id: $0.id, function: .init(name: $0.name, arguments: $0.arguments))
                })
        case .tool:
            OpenAIWire.Request.Message(
                role: "tool", content: message.isError ? "error: " + message.content : message.content,
                toolCallID: message.toolCallID)
        case .user, .assistant:
            OpenAIWire.Request.Message(role: message.role.rawValue, content: message.content)
        }
    }

    /// A decoding error in a line, without the values it quotes (which come from the server).
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted: "malformed JSON"
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "unexpected value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "undecodable"
        }
    }
}
