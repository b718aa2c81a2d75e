import CharterBroker
import CharterModel
import CharterTestSupport
import Foundation
import Testing

/// Tool calls through the broker: reservations count them, calls pass through, and a stream that
/// failed after a call reached the consumer is not repeated elsewhere.
@Suite("Broker: tool calls")
struct BrokerToolTests {
    @Test func theInputEstimateCountsSchemasCallsAndResults() {
        let plain = CompletionRequest(modelClass: "standard", prompt: "Summarize the repo")
        #expect(
            CapacityBroker.defaultInputEstimate(plain)
                == OfflineProvider.estimateTokens(OfflineProvider.renderedInput(plain)), "unchanged without tools")

        let withTools = ProviderOpenAIToolTests.conversation
        #expect(
            CapacityBroker.defaultInputEstimate(withTools)
                == OfflineProvider.estimateTokens(OfflineProvider.renderedInput(withTools))
                + CapacityBroker.toolUseOverheadTokens)

        // 400 KB of schema and 400 KB of result: at least 100,000 tokens each at 4 bytes a token.
        let big = String(repeating: "x", count: 400_000)
        var bigSchema = ProviderOpenAIToolTests.request
        bigSchema.tools.append(
            ToolDefinition(name: "big", description: "", parameters: .object(["description": .string(big)])))
        var bigResult = ProviderOpenAIToolTests.request
        bigResult.messages += [
            .assistant("", toolCalls: [ToolCall(id: "c", name: "files_read", arguments: "{}")]),
            .tool(id: "c", content: big),
        ]
        let base = CapacityBroker.defaultInputEstimate(ProviderOpenAIToolTests.request)
        #expect(CapacityBroker.defaultInputEstimate(bigSchema) >= base + 100_000)
        #expect(CapacityBroker.defaultInputEstimate(bigResult) >= base + 100_000)
    }

    private func fixture(_ primary: any CompletionProvider) throws -> (BrokerFixture, ScriptedProvider) {
        let clock = ManualClock()
        let secondary = ScriptedProvider("secondary", clock: clock)
        let f = try BrokerFixture(
            sources: [
                BrokerSource(.make(name: "primary", capacityClass: "standard", priority: 2), provider: primary),
                BrokerSource(.make(name: "secondary", capacityClass: "standard", priority: 1), provider: secondary),
            ], clock: clock)
        return (f, secondary)
    }

    @Test func callsPassThroughCompleteAndStream() async throws {
        try await ProviderTestServer.with { server in
            let (f, secondary) = try fixture(server.openAI("tools-many"))
            let whole = try await f.broker.complete(ProviderOpenAIToolTests.request)
            #expect(whole.toolCalls.map(\.id) == ["call_a", "call_1"])
            #expect(whole.accounting?.source == "primary")
            let streamed = try await CompletionResponse(collecting: f.broker.stream(ProviderOpenAIToolTests.request))
            #expect(streamed.toolCalls.map(\.id) == ["call_a", "call_b", "call_2"])
            #expect(streamed.finishReason == .toolCall)
            #expect(try f.ledger.records().map(\.outcome) == [.ok, .ok])
            #expect(secondary.callCount == 0)
        }
    }

    @Test func aStreamFailingAfterACallReachedTheConsumerDoesNotFailOver() async throws {
        try await ProviderTestServer.with { server in
            let (f, secondary) = try fixture(server.openAI("tools-cutafter"))
            var chunks: [CompletionChunk] = []
            let error = await #expect(throws: CompletionError.self) {
                for try await chunk in f.broker.stream(ProviderOpenAIToolTests.request) { chunks.append(chunk) }
            }
            #expect(error?.kind == .transport)
            #expect(chunks == [.toolCall(ToolCall(id: "call_a", name: "files_list", arguments: #"{"path":"."}"#))])
            #expect(secondary.callCount == 0, "another source would ask for the call again")
            let rows = try f.ledger.records()
            #expect(rows.map(\.outcome) == [.transport])
            #expect(rows.first?.estimated == true, "a cut stream may have been billed")
        }
    }

    @Test func theOfflineRehearsalRunsThroughTheBroker() async throws {
        let (f, _) = try fixture(OfflineProvider())
        let request = OfflineProviderToolTests.request()
        let first = try await f.broker.complete(request)
        #expect(first.toolCalls.map(\.name) == ["workspace_files_list"])
        let streamed = try await CompletionResponse(collecting: f.broker.stream(request))
        #expect(streamed.toolCalls == first.toolCalls)
    }
}
