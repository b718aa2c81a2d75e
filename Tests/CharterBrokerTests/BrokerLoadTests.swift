import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterBroker

@Suite("Broker under load")
struct BrokerLoadTests {
    @Test func twoHundredConcurrentCallsNeverExceedTheLimitsAndAreNeverRefusedEarly() async throws {
        let clock = ManualClock()
        // Every call reserves 10 + 40 = 50 tokens and reports 30.
        let provider = ScriptedProvider("p", clock: clock, fallback: .hold(TokenUsage(input: 20, output: 10)))
        let source = CapacitySource.make(
            name: "p", capacityClass: "standard", requestsPerMinute: 50, tokensPerMinute: 2_000, concurrentRequests: 30)
        let f = try BrokerFixture(sources: [BrokerSource(source, provider: provider)], clock: clock)
        let calls = (0..<200).map { _ in
            Task { try await f.broker.complete(brokerRequest(maxOutput: 40), context: BrokerCallContext()) }
        }

        // Minute 0: the concurrency limit (30) binds first; 2,000 / 50 = 40 would fit the tokens.
        await provider.waitForCalls(30)
        await f.broker.waitForQueue { $0 == 170 }
        #expect(provider.inFlight == 30)
        // Each settlement frees a slot and 20 tokens at once. After the first 30 settle (900 tokens),
        // (2,000 − 900) / 50 = 22 more reservations would fit the tokens; the request limit allows 20.
        provider.release(30)
        await provider.waitForCalls(50)
        await f.broker.waitForQueue { $0 == 150 }
        #expect(await f.broker.snapshot().sources[0].minuteRequests == 50)

        var minute = 0
        while provider.callCount < 200 {
            provider.release(200)
            minute += 1
            clock.advance(by: 60)
            let expected = min(200, 50 * (minute + 1))
            await provider.waitForCalls(expected)
            await f.broker.waitForQueue { $0 == 200 - expected }
        }
        provider.release(200)
        for call in calls { _ = try await call.value }

        // Never more than 30 at once, never more than 50 requests or 2,000 tokens in any 60 s.
        #expect(provider.maxInFlight == 30)
        let times = provider.calls.map(\.time)
        for t in Set(times) {
            let window = provider.calls.filter { $0.time > t.addingTimeInterval(-60) && $0.time <= t }
            #expect(window.count <= 50)
            #expect(window.reduce(0) { $0 + ($1.usage?.total ?? 0) } <= 2_000)
        }
        // No early refusal: each minute admitted exactly the 50 its request limit allows.
        let perMinute = Dictionary(grouping: times) { Int($0.timeIntervalSince(times[0]) / 60) }.mapValues(\.count)
        #expect(perMinute == [0: 50, 1: 50, 2: 50, 3: 50])
        #expect(try f.ledger.records().count == 200)
    }

    @Test func concurrentCallsWithoutLimitsNeverWait() async throws {
        let clock = ManualClock()
        let provider = ScriptedProvider("p", clock: clock, fallback: .hold(TokenUsage(input: 1, output: 1)))
        let f = try BrokerFixture(
            sources: [BrokerSource(.make(name: "p", capacityClass: "standard"), provider: provider)], clock: clock)
        let calls = (0..<200).map { _ in Task { try await f.broker.complete(brokerRequest()) } }
        await provider.waitForCalls(200)
        #expect(await f.broker.queuedCount == 0)
        provider.release(200)
        for call in calls { _ = try await call.value }
        #expect(provider.maxInFlight == 200)
    }
}
