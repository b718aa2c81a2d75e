import CharterControl
import CharterFoundation
import Foundation
import Testing

@testable import CharterBroker

/// What the controller logs of the broker: cooldowns and refusals, not every settled call.
@Suite struct CapacityLogTests {
    let time = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func aCooldownIsAWarningNamingTheSourceAndItsEnd() throws {
        let until = time.addingTimeInterval(30)
        let line = try #require(
            CapacitySetup.logLine(
                for: .cooldown(
                    source: "openai-gpt4o", until: until,
                    error: CompletionError(.rateLimited(retryAfter: .seconds(30)), "429 Too Many Requests")),
                at: time))
        #expect(line.level == .warning)
        #expect(line.render(json: false).contains(" warning "))
        #expect(line.fields["source"] == "openai-gpt4o")
        #expect(line.message.contains("openai-gpt4o cools down until \(Timestamp.utc(until))"), "\(line.message)")
        #expect(line.message.contains("429"))
    }

    @Test func aBudgetRefusalNamesTheRunAndStep() throws {
        let error = BudgetExceededError(
            scope: .routine("weekly"), metric: .tokens, day: "2026-11-21", limit: 50, used: 50, reserved: 0,
            requested: 10)
        let record = UsageRecord(
            id: 1, startedAt: time, finishedAt: time, day: "2026-11-21", run: "weekly-20261121T0900Z", step: "notes",
            role: "scribe", routine: "weekly", person: nil, attempt: 1, failover: 0, source: nil, model: nil,
            reservedInputTokens: 5, reservedOutputTokens: 5, reservedCostMicros: 0, usage: .zero, costMicros: 0,
            state: .settled, outcome: .budgetExceeded, estimated: false, error: "\(error)")
        let line = try #require(CapacitySetup.logLine(for: .budgetExceeded(error, record), at: time))
        #expect(line.fields == ["run": "weekly-20261121T0900Z", "step": "notes"])
        #expect(line.message.contains("the token budget of routine `weekly`"))
        #expect(CapacitySetup.logLine(for: .settled(record), at: time) == nil)
    }
}
