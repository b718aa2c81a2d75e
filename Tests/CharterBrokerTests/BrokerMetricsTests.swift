import CharterMetrics
import CharterModel
import CharterTestSupport
import Foundation
import MetricsTestKit
import Testing

@testable import CharterBroker

/// What the broker counts: each attempt by source and outcome with its tokens and cost, calls
/// refused before any source, cooldowns, and each budget's room left today.
@Suite("Broker metrics")
struct BrokerMetricsTests {
    @Test func callsTokensCostCooldownsAndBudgetsAreRecorded() async throws {
        let factory = TestMetrics()
        let provider = ScriptedProvider("p", clock: ManualClock(), fallback: .answer(TokenUsage(input: 50, output: 10)))
        let source = CapacitySource.make(
            name: "p", capacityClass: "standard", inputPerMillion: 2, outputPerMillion: 10)
        let f = try BrokerFixture(
            sources: [BrokerSource(source, provider: provider)],
            budgets: BrokerBudgets(
                roles: ["scribe": BudgetLimit(tokensPerDay: 50)],
                organization: BudgetLimit(tokensPerDay: 1000, costMicrosPerDay: 1_000_000)),
            maxAttempts: 1, metrics: CharterMetrics(factory: factory))

        _ = try await f.broker.complete(brokerRequest(maxOutput: 90))  // 50 in, 10 out: 100 + 100 micro-USD
        // Reserves 100 tokens against scribe's 50: refused before any source.
        await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 90, role: "scribe"))
        }
        provider.push(.fail(CompletionError(.rateLimited(retryAfter: nil), "slow down")))
        await #expect(throws: CompletionError.self) { try await f.broker.complete(brokerRequest(maxOutput: 90)) }

        let calls = { (source: String, outcome: String) in
            factory.counterTotal(label: MetricName.brokerCalls, dimensions: [("source", source), ("outcome", outcome)])
        }
        #expect(calls("p", "ok") == 1)
        #expect(calls("p", "rate_limited") == 1)
        #expect(calls(CharterMetrics.noSource, "budget_exceeded") == 1)
        #expect(
            factory.counterTotal(label: MetricName.brokerTokens, dimensions: [("source", "p"), ("direction", "input")])
                == 50)
        #expect(
            factory.counterTotal(
                label: MetricName.brokerTokens, dimensions: [("source", "p"), ("direction", "output")]) == 10)
        #expect(
            factory.counterTotal(
                label: MetricName.brokerCooldowns, dimensions: [("source", "p"), ("reason", "rate_limited")])
                == 1)

        let budgets = await f.broker.budgetRemaining()
        #expect(
            budgets == [
                BudgetRemaining(scope: "organization", name: "", tokens: 940, costMicros: 999_800),
                BudgetRemaining(scope: "role", name: "scribe", tokens: 50, costMicros: nil),
            ])
    }
}
