import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterBroker

@Suite("Broker rate limits")
struct BrokerRateLimitTests {
    /// One source of class `standard` with the given limits and a scripted provider.
    private func fixture(
        rpm: Int? = nil, tpm: Int? = nil, rpd: Int? = nil, tpd: Int? = nil, concurrent: Int? = nil,
        fallback: ScriptedProvider.Step = .answer(TokenUsage(input: 10, output: 90)),
        directory: URL = brokerTemporaryDirectory(), clock: ManualClock = ManualClock()
    ) throws -> (BrokerFixture, ScriptedProvider) {
        let provider = ScriptedProvider("p", clock: clock, fallback: fallback)
        let source = CapacitySource.make(
            name: "p", capacityClass: "standard", requestsPerMinute: rpm, tokensPerMinute: tpm, requestsPerDay: rpd,
            tokensPerDay: tpd, concurrentRequests: concurrent)
        let f = try BrokerFixture(
            sources: [BrokerSource(source, provider: provider)], clock: clock, directory: directory)
        return (f, provider)
    }

    @Test func requestsPerMinuteAdmitsExactlyTheLimitThenWaitsUntilTheFirstCallLeavesTheWindow() async throws {
        let (f, provider) = try fixture(rpm: 3)
        for _ in 0..<3 { _ = try await f.broker.complete(brokerRequest()) }
        #expect(provider.callCount == 3)

        let fourth = Task { try await f.broker.complete(brokerRequest()) }
        await f.broker.waitForQueue { $0 == 1 }
        f.clock.advance(by: 59.999)
        await Task.yield()
        #expect(await f.broker.queuedCount == 1)
        #expect(provider.callCount == 3)
        // The first calls were admitted at t0; at exactly t0 + 60 s they leave the window.
        f.clock.advance(by: 0.001)
        _ = try await fourth.value
        #expect(provider.callCount == 4)
        #expect(provider.calls[3].time == provider.calls[0].time.addingTimeInterval(60))
    }

    @Test func aTokenReservationThatExactlyFillsTheLimitIsAdmittedAndOneMoreTokenWaits() async throws {
        // Reservations are 10 (estimate) + maxOutput. The provider reports the full reservation.
        let (f, provider) = try fixture(tpm: 300, fallback: .hold(TokenUsage(input: 10, output: 90)))
        let first = Task { try await f.broker.complete(brokerRequest(maxOutput: 90)) }  // 100
        let second = Task { try await f.broker.complete(brokerRequest(maxOutput: 190)) }  // 200: exactly 300
        await provider.waitForCalls(2)
        #expect(await f.broker.snapshot().sources[0].minuteTokens == 300)
        // Usage at the limit admits nothing, not even the smallest reservation (11 tokens).
        let third = Task { try await f.broker.complete(brokerRequest(maxOutput: 1)) }
        await f.broker.waitForQueue { $0 == 1 }
        provider.release(3)
        _ = try await first.value
        _ = try await second.value
        // Settled at the reported 100 each: 200 of 300 used, so the 11-token call fits at once.
        _ = try await third.value
        #expect(provider.callCount == 3)
    }

    @Test func oneTokenOverTheLimitWaitsAndExactlyFittingIsAdmitted() async throws {
        let (f, provider) = try fixture(tpm: 250, fallback: .answer(TokenUsage(input: 100, output: 50)))
        _ = try await f.broker.complete(brokerRequest(maxOutput: 140))  // reserves 150, settles at 150
        // 150 used; 101 more would be 251 > 250: waits.
        let over = Task { try await f.broker.complete(brokerRequest(maxOutput: 91)) }
        await f.broker.waitForQueue { $0 == 1 }
        #expect(provider.callCount == 1)
        over.cancel()
        await #expect(throws: CancellationError.self) { try await over.value }
        // 100 more is exactly 250: admitted without waiting.
        _ = try await f.broker.complete(brokerRequest(maxOutput: 90))
        #expect(provider.callCount == 2)
        #expect(await f.broker.snapshot().sources[0].minuteTokens == 300)  // reported usage may exceed the estimate
    }

    @Test func settlementReleasesTheUnusedReservationAtOnce() async throws {
        // Each call reserves 1,000 but uses 15: forty sequential calls fit a 2,000-token minute.
        let (f, provider) = try fixture(tpm: 2_000, fallback: .answer(TokenUsage(input: 10, output: 5)))
        for _ in 0..<40 { _ = try await f.broker.complete(brokerRequest(maxOutput: 990)) }
        #expect(provider.callCount == 40)
        #expect(await f.broker.snapshot().sources[0].minuteTokens == 600)
    }

    @Test func theWindowSlides() async throws {
        let (f, provider) = try fixture(rpm: 2)
        _ = try await f.broker.complete(brokerRequest())  // t0
        f.clock.advance(by: 30)
        _ = try await f.broker.complete(brokerRequest())  // t0 + 30
        let third = Task { try await f.broker.complete(brokerRequest()) }
        await f.broker.waitForQueue { $0 == 1 }
        f.clock.advance(by: 30)  // t0 + 60: the first call leaves, the second is still in
        _ = try await third.value
        #expect(provider.calls.map { $0.time.timeIntervalSince(provider.calls[0].time) } == [0, 30, 60])
        let fourth = Task { try await f.broker.complete(brokerRequest()) }
        await f.broker.waitForQueue { $0 == 1 }
        f.clock.advance(by: 30)  // t0 + 90: the second leaves
        _ = try await fourth.value
        #expect(provider.calls.last!.time == provider.calls[0].time.addingTimeInterval(90))
    }

    @Test func perDayLimitsHoldAcrossMinutesAndARestart() async throws {
        let directory = brokerTemporaryDirectory()
        let clock = ManualClock()
        do {
            let (f, _) = try fixture(rpd: 2, directory: directory, clock: clock)
            _ = try await f.broker.complete(brokerRequest())
            clock.advance(by: 3_600)
            _ = try await f.broker.complete(brokerRequest())
        }
        // A new broker on the same ledger remembers both calls of the last 24 hours.
        let (f, provider) = try fixture(rpd: 2, directory: directory, clock: clock)
        #expect(await f.broker.snapshot().sources[0].dayRequests == 2)
        let tomorrow = BrokerCallContext(deadline: clock.now.addingTimeInterval(2 * 86_400))
        let third = Task { try await f.broker.complete(brokerRequest(), context: tomorrow) }
        await f.broker.waitForQueue { $0 == 1 }
        clock.advance(by: 86_400 - 3_600 - 1)
        await Task.yield()
        #expect(await f.broker.queuedCount == 1)
        clock.advance(by: 1)  // exactly 24 h after the first call
        _ = try await third.value
        #expect(provider.callCount == 1)
    }

    @Test func tokensPerDayCountSettledUsage() async throws {
        let (f, _) = try fixture(tpd: 1_000, fallback: .answer(TokenUsage(input: 400, output: 100)))
        _ = try await f.broker.complete(brokerRequest(maxOutput: 490))  // settles 500
        _ = try await f.broker.complete(brokerRequest(maxOutput: 490))  // 1,000: at the limit
        let tomorrow = BrokerCallContext(deadline: f.clock.now.addingTimeInterval(2 * 86_400))
        let third = Task { try await f.broker.complete(brokerRequest(maxOutput: 1), context: tomorrow) }
        await f.broker.waitForQueue { $0 == 1 }
        f.clock.advance(by: 86_400)
        _ = try await third.value
    }

    @Test func aCallInFlightKeepsCountingAfterItsMinuteEnds() async throws {
        let (f, provider) = try fixture(tpm: 100, fallback: .hold(TokenUsage(input: 10, output: 10)))
        let long = Task { try await f.broker.complete(brokerRequest(maxOutput: 90)) }  // reserves all 100
        await provider.waitForCalls(1)
        f.clock.advance(by: 120)
        #expect(await f.broker.snapshot().sources[0].minuteTokens == 100)
        provider.release()
        _ = try await long.value
        // Settled after its window ended: it drops out at once.
        #expect(await f.broker.snapshot().sources[0].minuteTokens == 0)
    }

    @Test func theConcurrencyLimitCountsCallsInFlight() async throws {
        let (f, provider) = try fixture(concurrent: 3, fallback: .hold(TokenUsage(input: 1, output: 1)))
        let calls = (0..<10).map { _ in Task { try await f.broker.complete(brokerRequest()) } }
        await provider.waitForCalls(3)
        await f.broker.waitForQueue { $0 == 7 }
        #expect(provider.inFlight == 3)
        provider.release()
        await provider.waitForCalls(4)
        await f.broker.waitForQueue { $0 == 6 }
        provider.release(9)
        for call in calls { _ = try await call.value }
        #expect(provider.maxInFlight == 3)
        #expect(provider.callCount == 10)
    }

    @Test func aReservationLargerThanEveryLimitFailsAtOnce() async throws {
        let (f, provider) = try fixture(tpm: 100)
        let error = await #expect(throws: BrokerError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 91))
        }
        #expect(error?.kind == .tooLarge)
        #expect(provider.callCount == 0)
        #expect(try f.ledger.records().map(\.outcome) == [.tooLarge])
    }
}
