import CharterBroker
import Foundation
import Testing

@Suite("OpenAI-compatible provider over HTTP")
struct ProviderOpenAITests {
    static let request = CompletionRequest(
        modelClass: "standard", system: "Be brief.", messages: [.user("Hi"), .assistant("Hello?"), .user("Say hello")],
        maxOutputTokens: 64, temperature: 0.5, metadata: CompletionMetadata(runID: "r1", step: "s", role: "scribe"))

    static let usage = TokenUsage(input: 12, output: 5, cachedInput: 4, reasoning: 2)

    @Test func completesAndSendsTheRightRequest() async throws {
        try await ProviderTestServer.with { server in
            let provider = server.openAI("ok")
            let response = try await provider.complete(Self.request)
            #expect(
                response
                    == CompletionResponse(
                        text: "Hello, world", model: "gpt-test-2025", finishReason: .length, usage: Self.usage))

            let sent = try #require(await server.log.last)
            #expect(sent.path == "/ok/v1/chat/completions")
            #expect(sent.headers["authorization"] == "Bearer \(ProviderTestServer.secret)")
            #expect(sent.headers["content-type"] == "application/json")
            let json = sent.json
            #expect(json["model"] as? String == "gpt-test")
            #expect(json["max_tokens"] as? Int == 64)
            #expect(json["temperature"] as? Double == 0.5)
            #expect(json["stream"] == nil)
            #expect(json["stream_options"] == nil)
            let messages = try #require(json["messages"] as? [[String: String]])
            #expect(
                messages == [
                    ["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"],
                    ["role": "assistant", "content": "Hello?"], ["role": "user", "content": "Say hello"],
                ])
            // Metadata and the idempotency key are for Charter's records, not the model.
            #expect(!String(decoding: sent.body, as: UTF8.self).contains("scribe"))
        }
    }

    @Test func streamsTextThenUsage() async throws {
        try await ProviderTestServer.with { server in
            var chunks: [CompletionChunk] = []
            for try await chunk in server.openAI("ok").stream(Self.request) { chunks.append(chunk) }
            #expect(
                chunks == [
                    .text("Hello"), .text(", world"),
                    .finished(model: "gpt-test-2025", finishReason: .stop, usage: Self.usage),
                ])
            let sent = try #require(await server.log.last)
            #expect(sent.headers["accept"] == "text/event-stream")
            #expect(sent.json["stream"] as? Bool == true)
            #expect((sent.json["stream_options"] as? [String: Bool]) == ["include_usage": true])
        }
    }

    @Test func sendsNoAuthorizationWithoutAKeyAndTheRequestModelWhenNamed() async throws {
        try await ProviderTestServer.with { server in
            var request = Self.request
            request.model = "llama3.2"
            request.temperature = nil
            request.system = nil
            _ = try await server.openAI("ok", key: nil).complete(request)
            let sent = try #require(await server.log.last)
            #expect(sent.headers["authorization"] == nil)
            #expect(sent.json["model"] as? String == "llama3.2")
            #expect(sent.json["temperature"] == nil)
            #expect((sent.json["messages"] as? [[String: String]])?.first?["role"] == "user")
        }
    }

    @Test func refusesAnEmptyRequestBeforeSending() async throws {
        try await ProviderTestServer.with { server in
            let empty = CompletionRequest(modelClass: "standard", messages: [])
            await #expect(throws: CompletionError(.invalidRequest, "the request has no messages")) {
                try await server.openAI("ok").complete(empty)
            }
            var zero = Self.request
            zero.maxOutputTokens = 0
            await #expect(throws: CompletionError.self) {
                try await CompletionResponse(collecting: server.openAI("ok").stream(zero))
            }
            #expect(await server.log.requests.isEmpty)
        }
    }

    @Test func sendsMaxCompletionTokensWhenAsked() async throws {
        try await ProviderTestServer.with { server in
            let provider = OpenAICompatibleProvider(
                name: "o", endpoint: server.openAIEndpoint("ok") + "/", model: "o3", apiKey: nil,
                client: server.http.client,
                tokenLimitField: .maxCompletionTokens, addresses: ProviderTestServer.loopback)
            #expect(provider.url == server.openAIEndpoint("ok") + "/chat/completions")
            _ = try await provider.complete(Self.request)
            let json = try #require(await server.log.last).json
            #expect(json["max_completion_tokens"] as? Int == 64)
            #expect(json["max_tokens"] == nil)
        }
    }
}
