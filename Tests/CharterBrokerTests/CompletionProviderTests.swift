import CharterBroker
import Foundation
import Testing

/// A provider with only `complete`, to exercise the protocol's default streaming.
private struct FixedProvider: CompletionProvider {
    let name = "fixed"
    var failure: CompletionError?

    func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        if let failure { throw failure }
        return CompletionResponse(
            text: "echo: \(request.prompt)", model: "fixed-1", finishReason: .stop,
            usage: TokenUsage(input: 3, output: 2, cachedInput: 1, reasoning: 0))
    }
}

@Suite("CompletionProvider")
struct CompletionProviderTests {
    @Test func theDefaultStreamYieldsTheWholeAnswerThenUsage() async throws {
        let request = CompletionRequest(modelClass: "standard", prompt: "hi")
        var chunks: [CompletionChunk] = []
        for try await chunk in FixedProvider().stream(request) { chunks.append(chunk) }
        #expect(
            chunks == [
                .text("echo: hi"),
                .finished(
                    model: "fixed-1", finishReason: .stop, usage: TokenUsage(input: 3, output: 2, cachedInput: 1)),
            ])
    }

    @Test func theDefaultStreamPassesErrorsOn() async throws {
        let provider = FixedProvider(failure: CompletionError(.rateLimited(retryAfter: .seconds(1)), "slow down"))
        let error = await #expect(throws: CompletionError.self) {
            try await CompletionResponse(collecting: provider.stream(CompletionRequest(modelClass: "c", prompt: "x")))
        }
        #expect(error?.retryAfter == .seconds(1))
    }

    @Test func aStreamWithoutUsageIsARetryableTransportError() async throws {
        let (stream, continuation) = AsyncThrowingStream<CompletionChunk, any Error>.makeStream()
        continuation.yield(.text("half an ans"))
        continuation.finish()
        let error = await #expect(throws: CompletionError.self) { try await CompletionResponse(collecting: stream) }
        #expect(error?.kind == .transport)
        #expect(error?.isRetryable == true)
    }

    @Test func usageAddsUp() {
        let total = TokenUsage(input: 10, output: 5, cachedInput: 4, reasoning: 1) + TokenUsage(input: 1, output: 2)
        #expect(total == TokenUsage(input: 11, output: 7, cachedInput: 4, reasoning: 1))
        #expect(total.total == 18)
    }

    @Test func requestsRoundTripThroughJSON() throws {
        let request = CompletionRequest(
            modelClass: "standard", system: "s", messages: [.user("u"), .assistant("a"), .user("v")],
            temperature: 0.2, metadata: CompletionMetadata(runID: "R-1", step: "s1", role: "scribe", attempt: 2),
            idempotencyKey: "R-1/s1/2")
        let data = try JSONEncoder().encode(request)
        #expect(try JSONDecoder().decode(CompletionRequest.self, from: data) == request)
    }
}
