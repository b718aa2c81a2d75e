import CharterBroker
import Foundation
import Testing

@Suite("Anthropic provider over HTTP")
struct ProviderAnthropicTests {
    /// 20 uncached + 3 written to the cache + 7 read from it; 9 out.
    static let usage = TokenUsage(input: 30, output: 9, cachedInput: 7, reasoning: 0)

    @Test func completesAndSendsTheRightRequest() async throws {
        try await ProviderTestServer.with { server in
            let response = try await server.anthropic("ok").complete(ProviderOpenAITests.request)
            #expect(
                response
                    == CompletionResponse(
                        text: "Hello, world", model: "claude-test-2025", finishReason: .length, usage: Self.usage))

            let sent = try #require(await server.log.last)
            #expect(sent.path == "/ok/v1/messages")
            #expect(sent.headers["x-api-key"] == ProviderTestServer.secret)
            #expect(sent.headers["anthropic-version"] == "2023-06-01")
            #expect(sent.headers["authorization"] == nil)
            let json = sent.json
            #expect(json["model"] as? String == "claude-test")
            #expect(json["max_tokens"] as? Int == 64)
            #expect(json["system"] as? String == "Be brief.")
            #expect(json["stream"] == nil)
            let messages = try #require(json["messages"] as? [[String: String]])
            #expect(
                messages == [
                    ["role": "user", "content": "Hi"], ["role": "assistant", "content": "Hello?"],
                    ["role": "user", "content": "Say hello"],
                ])
        }
    }

    @Test func streamsTextThenUsage() async throws {
        try await ProviderTestServer.with { server in
            var chunks: [CompletionChunk] = []
            for try await chunk in server.anthropic("ok").stream(ProviderOpenAITests.request) { chunks.append(chunk) }
            #expect(
                chunks == [
                    .text("Hello"), .text(", world"),
                    .finished(model: "claude-test-2025", finishReason: .stop, usage: Self.usage),
                ])
            let sent = try #require(await server.log.last)
            #expect(sent.json["stream"] as? Bool == true)
            #expect(sent.headers["accept"] == "text/event-stream")
        }
    }

    @Test func acceptsAnEndpointThatEndsInV1() async throws {
        try await ProviderTestServer.with { server in
            let provider = AnthropicProvider(
                name: "a", endpoint: server.anthropicEndpoint("ok") + "/v1/", model: "c", apiKey: nil,
                client: server.http.client, addresses: ProviderTestServer.loopback)
            #expect(provider.url == server.anthropicEndpoint("ok") + "/v1/messages")
            _ = try await provider.complete(ProviderOpenAITests.request)
            let sent = try #require(await server.log.last)
            #expect(sent.path == "/ok/v1/messages")
            #expect(sent.headers["x-api-key"] == nil)
        }
    }
}
