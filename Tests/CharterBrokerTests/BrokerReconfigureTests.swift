import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterBroker

/// `reconfigure(sources:budgets:)`: an applied change to CapacitySources or budgets takes effect on
/// the running broker without losing what it has counted.
@Suite("Broker reconfiguration")
struct BrokerReconfigureTests {
    @Test func aRaisedLimitAdmitsTheWaitingCallAndKeepsTheWindow() async throws {
        let clock = ManualClock()
        let provider = ScriptedProvider("p", clock: clock)
        let f = try BrokerFixture(
            sources: [
                BrokerSource(.make(name: "p", capacityClass: "standard", requestsPerMinute: 2), provider: provider)
            ],
            clock: clock)
        for _ in 0..<2 { _ = try await f.broker.complete(brokerRequest()) }
        let third = Task { try await f.broker.complete(brokerRequest()) }
        await f.broker.waitForQueue { $0 == 1 }

        // Still 2 per minute: the two calls stay counted, the third keeps waiting.
        await f.broker.reconfigure(
            sources: [
                BrokerSource(.make(name: "p", capacityClass: "standard", requestsPerMinute: 2), provider: provider)
            ],
            budgets: .none)
        #expect(await f.broker.queuedCount == 1)
        #expect(provider.callCount == 2)
        // 3 per minute: the window's 2 calls plus this one fit, at once, with no clock movement.
        await f.broker.reconfigure(
            sources: [
                BrokerSource(.make(name: "p", capacityClass: "standard", requestsPerMinute: 3), provider: provider)
            ],
            budgets: .none)
        _ = try await third.value
        #expect(provider.callCount == 3)
        #expect(provider.calls[2].time == provider.calls[0].time)
        // A fourth call waits: the window kept all three.
        let fourth = Task { try await f.broker.complete(brokerRequest()) }
        await f.broker.waitForQueue { $0 == 1 }
        clock.advance(by: 60)
        _ = try await fourth.value
        #expect(provider.callCount == 4)
    }

    @Test func aRemovedSourceTakesNoNewCallsButItsCallInFlightSettles() async throws {
        let clock = ManualClock()
        let old = ScriptedProvider("old", clock: clock, fallback: .hold(TokenUsage(input: 7, output: 3)))
        let new = ScriptedProvider("new", clock: clock)
        let f = try BrokerFixture(
            sources: [BrokerSource(.make(name: "old", capacityClass: "standard", outputPerMillion: 1), provider: old)],
            clock: clock)
        let inFlight = Task { try await f.broker.complete(brokerRequest()) }
        await old.waitForCalls(1)

        await f.broker.reconfigure(
            sources: [BrokerSource(.make(name: "new", capacityClass: "standard"), provider: new)], budgets: .none)
        let answer = try await f.broker.complete(brokerRequest(run: "run-2"))
        #expect(answer.text == "answer from new")
        #expect(old.callCount == 1)

        old.release()
        let settled = try await inFlight.value
        #expect(settled.text == "answer from old")
        let rows = try f.ledger.records()
        #expect(rows.map(\.source) == ["old", "new"])
        #expect(rows.allSatisfy { $0.state == .settled && $0.outcome == .ok })
        #expect(rows[0].usage == TokenUsage(input: 7, output: 3))
        // Priced at the removed source's prices: 3 output tokens at $1 per million.
        #expect(rows[0].costMicros == 3)

        // Its class gone entirely, a call for it is refused at once, not queued.
        await f.broker.reconfigure(sources: [], budgets: .none)
        await #expect(throws: BrokerError.self) { try await f.broker.complete(brokerRequest()) }
    }

    @Test func aBudgetAddedDuringTheDayCountsWhatWasAlreadySpent() async throws {
        let clock = ManualClock()
        let provider = ScriptedProvider("p", clock: clock, fallback: .answer(TokenUsage(input: 10, output: 40)))
        let source = BrokerSource(.make(name: "p", capacityClass: "standard"), provider: provider)
        let f = try BrokerFixture(sources: [source], clock: clock)
        // 50 tokens each, no budget yet.
        for _ in 0..<2 { _ = try await f.broker.complete(brokerRequest(maxOutput: 40, role: "scribe")) }

        // 150 a day for the role: 100 spent, so a 50-token reservation exactly fits and the next is refused.
        await f.broker.reconfigure(
            sources: [source], budgets: BrokerBudgets(roles: ["scribe": BudgetLimit(tokensPerDay: 150)]))
        _ = try await f.broker.complete(brokerRequest(maxOutput: 40, role: "scribe"))
        let refusal = await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 40, role: "scribe"))
        }
        #expect(refusal?.used == 150)
        #expect(refusal?.limit == 150)
        // Other roles are not charged to it.
        _ = try await f.broker.complete(brokerRequest(maxOutput: 40, role: "analyst"))
        #expect(provider.callCount == 4)
    }

    @Test func changingASourceEndsItsCooldown() async throws {
        let clock = ManualClock()
        let provider = ScriptedProvider(
            "p", clock: clock, script: [.fail(CompletionError(.rateLimited(retryAfter: .seconds(600)), "429"))])
        let f = try BrokerFixture(
            sources: [BrokerSource(.make(name: "p", capacityClass: "standard"), provider: provider)], clock: clock,
            maxAttempts: 1)
        await #expect(throws: CompletionError.self) { try await f.broker.complete(brokerRequest()) }
        #expect(await f.broker.snapshot().sources[0].cooldownUntil != nil)

        // The same declaration: the cooldown stays.
        await f.broker.reconfigure(
            sources: [BrokerSource(.make(name: "p", capacityClass: "standard"), provider: provider)], budgets: .none)
        #expect(await f.broker.snapshot().sources[0].cooldownUntil != nil)
        // A changed one (here its limits): whoever changed it may have fixed what failed.
        await f.broker.reconfigure(
            sources: [
                BrokerSource(.make(name: "p", capacityClass: "standard", requestsPerMinute: 100), provider: provider)
            ], budgets: .none)
        #expect(await f.broker.snapshot().sources[0].cooldownUntil == nil)
        _ = try await f.broker.complete(brokerRequest())
        #expect(provider.callCount == 2)
    }
}
