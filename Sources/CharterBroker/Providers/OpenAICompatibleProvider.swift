import AsyncHTTPClient
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
    public init(
        name: String, endpoint: String, model: String, apiKey: APIKey?, client: HTTPClient,
        overallTimeout: Duration = ProviderTimeouts.default.overall, tokenLimitField: TokenLimitField = .maxTokens
    ) {
        self.name = name
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.model = model
        self.tokenLimitField = tokenLimitField
        self.transport = ProviderTransport(providerName: name, client: client, overall: overallTimeout, apiKey: apiKey)
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
            return CompletionResponse(
                text: transport.scrub(choice.message?.content ?? ""), model: completion.model ?? fallbackModel,
                finishReason: OpenAIWire.finishReason(choice.finishReason), usage: usage.tokenUsage)
        }
    }

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
                            response, transport: transport, fallbackModel: fallbackModel, into: continuation)
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
    private static func readStream(
        _ response: HTTPClientResponse, transport: ProviderTransport, fallbackModel: String,
        into continuation: AsyncThrowingStream<CompletionChunk, any Error>.Continuation
    ) async throws {
        var scrubber = SecretScrubber(key: transport.apiKey)
        var model: String?
        var finishReason: String?
        var usage: TokenUsage?
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
                if let reason = choice.finishReason { finishReason = reason }
            }
            if let value = chunk.usage { usage = value.tokenUsage }
            return true
        }
        let rest = scrubber.finish()
        if !rest.isEmpty { continuation.yield(.text(rest)) }
        guard let usage else {
            throw CompletionError(
                .transport, "\(transport.providerName): the stream ended before the provider reported usage")
        }
        continuation.yield(
            .finished(model: model ?? fallbackModel, finishReason: OpenAIWire.finishReason(finishReason), usage: usage))
    }

    /// The HTTP request for `request`.
    /// - Throws: ``CompletionError/Kind/invalidRequest`` for a request without messages or with a
    ///   non-positive token limit, before anything is sent.
    func httpRequest(for request: CompletionRequest, streaming: Bool) throws -> HTTPClientRequest {
        try Self.validate(request)
        var messages = request.system.map { [OpenAIWire.Request.Message(role: "system", content: $0)] } ?? []
        messages += request.messages.map { OpenAIWire.Request.Message(role: $0.role.rawValue, content: $0.content) }
        var body = OpenAIWire.Request(
            model: request.model ?? model, messages: messages, temperature: request.temperature)
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

    static func validate(_ request: CompletionRequest) throws {
        guard !request.messages.isEmpty else { throw CompletionError(.invalidRequest, "the request has no messages") }
        guard request.maxOutputTokens > 0 else {
            throw CompletionError(.invalidRequest, "maxOutputTokens must be positive, not \(request.maxOutputTokens)")
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
