import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterBroker

@Suite("Broker streaming")
struct BrokerStreamTests {
    private func setup() throws -> (BrokerFixture, ScriptedProvider, ScriptedProvider) {
        let clock = ManualClock()
        let primary = ScriptedProvider("primary", clock: clock, streamChunks: ["a", "b", "c"])
        let secondary = ScriptedProvider("secondary", clock: clock, streamChunks: ["x", "y"])
        let f = try BrokerFixture(
            sources: [
                BrokerSource(
                    .make(
                        name: "primary", capacityClass: "standard", priority: 2, inputPerMillion: 2,
                        outputPerMillion: 10, cachedInputPerMillion: 1), provider: primary),
                BrokerSource(.make(name: "secondary", capacityClass: "standard", priority: 1), provider: secondary),
            ], clock: clock)
        return (f, primary, secondary)
    }

    @Test func usageFromTheFinalChunkIsSettledWithCachedTokensBeforeTheConsumerSeesIt() async throws {
        let (f, primary, _) = try setup()
        primary.push(.answer(TokenUsage(input: 1_000, output: 200, cachedInput: 600, reasoning: 50)))
        var chunks: [CompletionChunk] = []
        for try await chunk in f.broker.stream(brokerRequest(role: "scribe")) {
            if case .finished = chunk {
                // Settled before the consumer is told the stream is done.
                #expect(try f.ledger.records().last?.state == .settled)
            }
            chunks.append(chunk)
        }
        #expect(chunks.count == 4)
        let row = try #require(try f.ledger.records().last)
        #expect(row.outcome == .ok)
        #expect(row.usage == TokenUsage(input: 1_000, output: 200, cachedInput: 600, reasoning: 50))
        // USD per million = micro-USD per token: 400 × 2 + 600 × 1 + 200 × 10 = 3,400 micro-USD.
        #expect(row.costMicros == 3_400)
        #expect(row.model == "primary-model")
        #expect(!row.estimated)
        let settled = f.events.events.compactMap { event -> UsageRecord? in
            if case .settled(let r) = event { return r }
            return nil
        }
        #expect(settled.map(\.usage.cachedInput) == [600])
    }

    @Test func aStreamFailingBeforeItsFirstTextFailsOver() async throws {
        let (f, primary, secondary) = try setup()
        primary.push(.fail(CompletionError(.server(status: 529, retryAfter: nil), "overloaded")))
        let response = try await CompletionResponse(collecting: f.broker.stream(brokerRequest()))
        #expect(response.text == "xy")
        #expect(secondary.callCount == 1)
        #expect(try f.ledger.records().map(\.outcome) == [.serverError, .ok])
    }

    @Test func aConsumerThatStopsEarlyLeavesACancelledRowChargedAtTheReservation() async throws {
        let (f, primary, _) = try setup()
        primary.push(.hold(TokenUsage(input: 5, output: 5)))
        do {
            var iterator = f.broker.stream(brokerRequest(maxOutput: 90)).makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first == .text("a"))
        }
        // The iterator and stream are gone: the broker's task is cancelled.
        await primary.waitForCalls(1)
        var rows: [UsageRecord] = []
        for _ in 0..<10_000 {
            rows = try f.ledger.records()
            if rows.first?.state == .settled { break }
            await Task.yield()
        }
        #expect(rows.first?.outcome == .cancelled)
        #expect(rows.first?.estimated == true)
        #expect(rows.first?.usage.total == 100)
        #expect(await f.broker.snapshot().sources[0].inFlight == 0)
    }
}
