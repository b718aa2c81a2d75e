import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterBroker

@Suite("Broker selection and failover")
struct BrokerFailoverTests {
    private struct Setup {
        let f: BrokerFixture
        let primary: ScriptedProvider
        let secondary: ScriptedProvider
    }

    /// `primary` (priority 10) and `secondary` (priority 5), both of class `standard`.
    private func setup(maxAttempts: Int = 5, backoffBase: TimeInterval = 1) throws -> Setup {
        let clock = ManualClock()
        let primary = ScriptedProvider("primary", clock: clock)
        let secondary = ScriptedProvider("secondary", clock: clock)
        let f = try BrokerFixture(
            sources: [
                BrokerSource(.make(name: "secondary", capacityClass: "standard", priority: 5), provider: secondary),
                BrokerSource(.make(name: "primary", capacityClass: "standard", priority: 10), provider: primary),
            ], clock: clock, maxAttempts: maxAttempts, backoffBase: backoffBase)
        return Setup(f: f, primary: primary, secondary: secondary)
    }

    @Test func theHighestPriorityWinsAndNamesBreakTies() async throws {
        let clock = ManualClock()
        let b = ScriptedProvider("b", clock: clock)
        let a = ScriptedProvider("a", clock: clock)
        let low = ScriptedProvider("low", clock: clock)
        let other = ScriptedProvider("other", clock: clock)
        let f = try BrokerFixture(
            sources: [
                BrokerSource(.make(name: "low", capacityClass: "standard", priority: 1), provider: low),
                BrokerSource(.make(name: "b", capacityClass: "standard", priority: 3), provider: b),
                BrokerSource(.make(name: "a", capacityClass: "standard", priority: 3), provider: a),
                BrokerSource(.make(name: "other", capacityClass: "premium", priority: 9), provider: other),
            ], clock: clock)
        for _ in 0..<3 { _ = try await f.broker.complete(brokerRequest()) }
        #expect([a.callCount, b.callCount, low.callCount, other.callCount] as [Int] == [3, 0, 0, 0])
        let error = await #expect(throws: BrokerError.self) {
            try await f.broker.complete(brokerRequest(modelClass: "missing"))
        }
        #expect(error?.kind == .noSource)
    }

    @Test func a429FailsOverAndCoolsTheSourceDownForItsRetryAfter() async throws {
        let s = try setup()
        s.primary.push(.fail(CompletionError(.rateLimited(retryAfter: .seconds(30)), "slow down")))
        let response = try await s.f.broker.complete(brokerRequest())
        #expect(response.text == "answer from secondary")
        let cooldown = await s.f.broker.snapshot().sources.first { $0.name == "primary" }?.cooldownUntil
        #expect(cooldown == s.f.clock.now.addingTimeInterval(30))

        // While cooling down, calls go to the secondary without touching the primary.
        s.f.clock.advance(by: 29.999)
        _ = try await s.f.broker.complete(brokerRequest())
        #expect(s.primary.callCount == 1)
        #expect(s.secondary.callCount == 2)
        // Recovered after the cooldown.
        s.f.clock.advance(by: 0.001)
        #expect(try await s.f.broker.complete(brokerRequest()).text == "answer from primary")

        let rows = try s.f.ledger.records()
        #expect(rows.map(\.outcome) == [.rateLimited, .ok, .ok, .ok])
        #expect(rows.map(\.failover) == [0, 1, 0, 0])
        #expect(rows.map(\.source) == ["primary", "secondary", "secondary", "primary"])
        #expect(rows[0].usage == .zero)
        #expect(rows[0].error?.contains("slow down") == true)
    }

    @Test func a5xxCoolsDownWithJitteredExponentialBackoff() async throws {
        let s = try setup(backoffBase: 2)
        let start = s.f.clock.now
        var ceilings: [TimeInterval] = []
        for n in 1...4 {
            s.primary.push(.fail(CompletionError(.server(status: 503, retryAfter: nil), "unavailable")))
            _ = try await s.f.broker.complete(brokerRequest())
            let until = await s.f.broker.snapshot().sources.first { $0.name == "primary" }?.cooldownUntil
            let delay = (until ?? s.f.clock.now).timeIntervalSince(s.f.clock.now)
            // Full jitter: uniform in [0, base × 2^(n−1)].
            let ceiling = 2 * pow(2, Double(n - 1))
            #expect(delay >= 0 && delay <= ceiling)
            ceilings.append(ceiling)
            s.f.clock.advance(by: ceiling)
        }
        #expect(ceilings == [2, 4, 8, 16])
        #expect(s.f.clock.now == start.addingTimeInterval(30))
        // A success resets the exponent.
        _ = try await s.f.broker.complete(brokerRequest())
        #expect(s.primary.calls.count == 5)
    }

    @Test func theSameSeedGivesTheSameCooldowns() async throws {
        func cooldowns() async throws -> [Date?] {
            let s = try setup()
            var result: [Date?] = []
            for _ in 0..<3 {
                s.primary.push(.fail(CompletionError(.server(status: 500, retryAfter: nil), "boom")))
                _ = try await s.f.broker.complete(brokerRequest())
                result.append(await s.f.broker.snapshot().sources.first { $0.name == "primary" }?.cooldownUntil)
                s.f.clock.advance(by: 60)
            }
            return result
        }
        #expect(try await cooldowns() == cooldowns())
    }

    @Test func aTimeoutFailsOverAndIsChargedAtItsReservation() async throws {
        let s = try setup()
        s.primary.push(.fail(CompletionError(.timeout, "no answer")))
        _ = try await s.f.broker.complete(brokerRequest(maxOutput: 90))
        let rows = try s.f.ledger.records()
        #expect(rows[0].outcome == .timeout)
        #expect(rows[0].estimated)
        #expect(rows[0].usage == TokenUsage(input: 10, output: 90))
        #expect(rows[1].outcome == .ok)
        #expect(!rows[1].estimated)
    }

    @Test func anInvalidRequestFailsAtOnceWithoutFailover() async throws {
        let s = try setup()
        s.primary.push(.fail(CompletionError(.invalidRequest, "too long")))
        let error = await #expect(throws: CompletionError.self) { try await s.f.broker.complete(brokerRequest()) }
        #expect(error?.kind == .invalidRequest)
        #expect(s.secondary.callCount == 0)
        #expect(await s.f.broker.snapshot().sources.allSatisfy { $0.cooldownUntil == nil })
    }

    @Test func aRefusedCredentialFailsOverAndBenchesTheSource() async throws {
        let s = try setup()
        s.primary.push(.fail(CompletionError(.authentication, "bad key")))
        #expect(try await s.f.broker.complete(brokerRequest()).text == "answer from secondary")
        let until = await s.f.broker.snapshot().sources.first { $0.name == "primary" }?.cooldownUntil
        #expect(until == s.f.clock.now.addingTimeInterval(300))
    }

    @Test func whenEverySourceFailsTheLastErrorIsThrownAfterMaxAttempts() async throws {
        let s = try setup(maxAttempts: 2)
        s.primary.push(.fail(CompletionError(.server(status: 500, retryAfter: .seconds(5)), "p down")))
        s.secondary.push(.fail(CompletionError(.server(status: 502, retryAfter: .seconds(5)), "s down")))
        let error = await #expect(throws: CompletionError.self) { try await s.f.broker.complete(brokerRequest()) }
        #expect(error?.kind == .server(status: 502, retryAfter: .seconds(5)))
        #expect(try s.f.ledger.records().map(\.outcome) == [.serverError, .serverError])
    }

    @Test func aCallWaitsForTheCooldownWhenEverySourceIsCoolingDown() async throws {
        let s = try setup()
        s.primary.push(.fail(CompletionError(.rateLimited(retryAfter: .seconds(20)), "p busy")))
        s.secondary.push(.fail(CompletionError(.rateLimited(retryAfter: .seconds(10)), "s busy")))
        let call = Task { try await s.f.broker.complete(brokerRequest()) }
        await s.f.broker.waitForQueue { $0 == 1 }
        s.f.clock.advance(by: 10)
        #expect(try await call.value.text == "answer from secondary")
        #expect(s.secondary.calls.last?.time == s.primary.calls[0].time.addingTimeInterval(10))
    }

    @Test func theDeadlineStopsWaitingForACooldownWithTheProviderError() async throws {
        let s = try setup()
        s.primary.push(.fail(CompletionError(.rateLimited(retryAfter: .seconds(60)), "p busy")))
        s.secondary.push(.fail(CompletionError(.rateLimited(retryAfter: .seconds(60)), "s busy")))
        let deadline = s.f.clock.now.addingTimeInterval(5)
        let call = Task {
            try await s.f.broker.complete(brokerRequest(), context: BrokerCallContext(deadline: deadline))
        }
        await s.f.broker.waitForQueue { $0 == 1 }
        s.f.clock.advance(by: 5)
        let error = await #expect(throws: CompletionError.self) { try await call.value }
        #expect(error?.message == "s busy")
    }
}
