import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterBroker

@Suite("Broker queue")
struct BrokerQueueTests {
    /// One source taking one request per minute, whose minute is already used.
    private func saturated() async throws -> (BrokerFixture, ScriptedProvider) {
        let clock = ManualClock()
        let provider = ScriptedProvider("p", clock: clock)
        let f = try BrokerFixture(
            sources: [
                BrokerSource(.make(name: "p", capacityClass: "standard", requestsPerMinute: 1), provider: provider)
            ],
            clock: clock)
        _ = try await f.broker.complete(brokerRequest(step: "first"))
        return (f, provider)
    }

    @Test func waitersAreServedByPriorityThenInArrivalOrder() async throws {
        let (f, provider) = try await saturated()
        var tasks: [Task<CompletionResponse, any Error>] = []
        for (step, priority) in [("low", 1), ("high-a", 5), ("mid", 3), ("high-b", 5)] {
            tasks.append(
                Task {
                    try await f.broker.complete(
                        brokerRequest(step: step), context: BrokerCallContext(priority: priority))
                })
            // Arrival order is what the test is about: enqueue one at a time.
            let queued = tasks.count
            await f.broker.waitForQueue { $0 == queued }
        }
        for minute in 1...4 {
            f.clock.advance(by: 60)
            await provider.waitForCalls(1 + minute)
        }
        for task in tasks { _ = try await task.value }
        #expect(provider.calls.map { $0.request.metadata.step } == ["first", "high-a", "high-b", "mid", "low"])
    }

    @Test func aWaiterGivesUpAtItsDeadlineWithASaturatedError() async throws {
        let (f, provider) = try await saturated()
        let deadline = f.clock.now.addingTimeInterval(10)
        let call = Task {
            try await f.broker.complete(
                brokerRequest(step: "late"), context: BrokerCallContext(routine: "standup", deadline: deadline))
        }
        await f.broker.waitForQueue { $0 == 1 }
        f.clock.advance(by: 9.999)
        await Task.yield()
        #expect(await f.broker.queuedCount == 1)
        f.clock.advance(by: 0.001)
        let error = await #expect(throws: BrokerError.self) { try await call.value }
        #expect(error?.kind == .saturated)
        #expect(error?.isRetryable == true)
        #expect(error?.message.contains("`p` at its limits") == true)
        #expect(provider.callCount == 1)
        let rows = try f.ledger.records()
        #expect(rows.last?.outcome == .saturated)
        #expect(rows.last?.routine == "standup")
        #expect(await f.broker.queuedCount == 0)
    }

    @Test func aDeadlineAlreadyPassedFailsWithoutQueueing() async throws {
        let (f, _) = try await saturated()
        let error = await #expect(throws: BrokerError.self) {
            try await f.broker.complete(brokerRequest(), context: BrokerCallContext(deadline: f.clock.now))
        }
        #expect(error?.kind == .saturated)
    }

    @Test func cancellingAWaiterRemovesItFromTheQueue() async throws {
        let (f, provider) = try await saturated()
        let cancelled = Task {
            try await f.broker.complete(brokerRequest(step: "cancelled"), context: BrokerCallContext(priority: 9))
        }
        await f.broker.waitForQueue { $0 == 1 }
        let kept = Task { try await f.broker.complete(brokerRequest(step: "kept")) }
        await f.broker.waitForQueue { $0 == 2 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(await f.broker.queuedCount == 1)
        f.clock.advance(by: 60)
        _ = try await kept.value
        #expect(provider.calls.map { $0.request.metadata.step } == ["first", "kept"])
        // Nothing was reserved or spent for the cancelled waiter.
        #expect(try f.ledger.records().count == 2)
    }

    @Test func aWaiterBlockedByLimitsHoldsItsSourceButNotOthers() async throws {
        let clock = ManualClock()
        let small = ScriptedProvider("small", clock: clock)
        let other = ScriptedProvider("other", clock: clock)
        let f = try BrokerFixture(
            sources: [
                BrokerSource(.make(name: "small", capacityClass: "standard", tokensPerMinute: 200), provider: small),
                BrokerSource(.make(name: "other", capacityClass: "cheap"), provider: other),
            ], clock: clock)
        small.setFallback(.answer(TokenUsage(input: 50, output: 50)))
        _ = try await f.broker.complete(brokerRequest(maxOutput: 90))  // 100 of 200 used
        // A large call (190) waits; a small one (20) that would fit must not overtake it.
        let large = Task { try await f.broker.complete(brokerRequest(maxOutput: 180)) }
        await f.broker.waitForQueue { $0 == 1 }
        let smallCall = Task { try await f.broker.complete(brokerRequest(maxOutput: 10)) }
        await f.broker.waitForQueue { $0 == 2 }
        // Another class is not held up.
        _ = try await f.broker.complete(brokerRequest(modelClass: "cheap"))
        clock.advance(by: 60)
        _ = try await large.value
        _ = try await smallCall.value
        #expect(small.calls.map(\.request.maxOutputTokens) == [90, 180, 10])
    }
}
