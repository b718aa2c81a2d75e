import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterBroker

@Suite("Broker budgets")
struct BrokerBudgetTests {
    private func fixture(
        budgets: BrokerBudgets, inputPerMillion: Double = 0, outputPerMillion: Double = 0,
        fallback: ScriptedProvider.Step = .answer(TokenUsage(input: 50, output: 10)),
        directory: URL = brokerTemporaryDirectory(), clock: ManualClock = ManualClock()
    ) throws -> (BrokerFixture, ScriptedProvider) {
        let provider = ScriptedProvider("p", clock: clock, fallback: fallback)
        let source = CapacitySource.make(
            name: "p", capacityClass: "standard", inputPerMillion: inputPerMillion, outputPerMillion: outputPerMillion)
        let f = try BrokerFixture(
            sources: [BrokerSource(source, provider: provider)], budgets: budgets, clock: clock, directory: directory)
        return (f, provider)
    }

    @Test func roleTokensExactlyFittingIsAdmittedOneOverAndAtTheLimitAreRefused() async throws {
        let (f, provider) = try fixture(budgets: BrokerBudgets(roles: ["scribe": BudgetLimit(tokensPerDay: 100)]))
        _ = try await f.broker.complete(brokerRequest(maxOutput: 50, role: "scribe"))  // reserves 60, uses 60

        let over = await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 31, role: "scribe"))  // 60 + 41 = 101
        }
        #expect(over?.scope == .role("scribe"))
        #expect(over?.metric == .tokens)
        #expect(over?.limit == 100)
        #expect(over?.used == 60)
        #expect(over?.requested == 41)

        provider.push(.answer(TokenUsage(input: 10, output: 30)))
        _ = try await f.broker.complete(brokerRequest(maxOutput: 30, role: "scribe"))  // 60 + 40 = 100: fits

        // Used 100 of 100: exhausted, whatever the call's size.
        let exhausted = await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 1, role: "scribe"))
        }
        #expect(exhausted?.used == 100)
        #expect(
            exhausted?.description
                == "budget exceeded: the token budget of role `scribe` for 2027-01-15 is exhausted: used 100 tokens "
                + "of 100 tokens (0 tokens reserved by calls in flight), this call needs up to 11 tokens")
        // Other roles are not charged to scribe's budget.
        _ = try await f.broker.complete(brokerRequest(maxOutput: 1, role: "editor"))
        #expect(provider.callCount == 3)
    }

    @Test func routineCostIsCheckedAgainstTheWorstCaseAndChargedTheRealCost() async throws {
        // 1 micro-USD per input token, 2 per output token.
        let (f, provider) = try fixture(
            budgets: BrokerBudgets(routines: ["standup": BudgetLimit(costMicrosPerDay: 300)]), inputPerMillion: 1,
            outputPerMillion: 2, fallback: .answer(TokenUsage(input: 10, output: 45)))
        let context = BrokerCallContext(routine: "standup")
        _ = try await f.broker.complete(brokerRequest(maxOutput: 95), context: context)  // worst 200, costs 100

        let over = await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 100), context: context)  // worst 210: 310 > 300
        }
        #expect(over?.scope == .routine("standup"))
        #expect(over?.metric == .cost)
        #expect(over?.used == 100)
        #expect(over?.requested == 210)
        #expect(over?.description.contains("used $0.000100 of $0.000300") == true)

        provider.push(.answer(TokenUsage(input: 10, output: 95)))
        _ = try await f.broker.complete(brokerRequest(maxOutput: 95), context: context)  // 100 + 200 = 300
        await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 1), context: context)
        }
        // Without the routine, the call is not charged to it.
        _ = try await f.broker.complete(brokerRequest(maxOutput: 1))
        #expect(try f.ledger.records().map(\.costMicros) == [100, 0, 200, 0, 100])
    }

    @Test func anExhaustedOrganizationBudgetRefusesEvenFreeCallsUntilTheNextDay() async throws {
        let (f, _) = try fixture(
            budgets: BrokerBudgets(organization: BudgetLimit(tokensPerDay: 120, costMicrosPerDay: 1_000)))
        _ = try await f.broker.complete(brokerRequest(maxOutput: 50))  // 60
        _ = try await f.broker.complete(brokerRequest(maxOutput: 50))  // 120: exactly the limit
        let error = await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 1))
        }
        #expect(error?.scope == .organization)
        #expect(error?.day == "2027-01-15")
        // Budget days start at midnight in the budgets' zone (UTC here).
        let midnight = Calendar(identifier: .gregorian).startOfDay(for: f.clock.now).addingTimeInterval(86_400)
        f.clock.advance(to: midnight.addingTimeInterval(-0.001))
        await #expect(throws: BudgetExceededError.self) { try await f.broker.complete(brokerRequest(maxOutput: 1)) }
        f.clock.advance(to: midnight)
        _ = try await f.broker.complete(brokerRequest(maxOutput: 1))
    }

    @Test func aCostBudgetAtItsLimitRefusesAFreeSource() async throws {
        let (f, _) = try fixture(
            budgets: BrokerBudgets(organization: BudgetLimit(costMicrosPerDay: 0)), inputPerMillion: 0)
        let error = await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 1))
        }
        #expect(error?.metric == .cost)
    }

    @Test func reservationsInFlightMakeACallWaitRatherThanFail() async throws {
        let (f, provider) = try fixture(
            budgets: BrokerBudgets(roles: ["scribe": BudgetLimit(tokensPerDay: 100)]),
            fallback: .hold(TokenUsage(input: 10, output: 10)))
        let first = Task { try await f.broker.complete(brokerRequest(maxOutput: 50, role: "scribe")) }  // 60 reserved
        await provider.waitForCalls(1)
        // 60 reserved + 60 > 100, but the first call may settle lower: wait, do not refuse.
        let second = Task { try await f.broker.complete(brokerRequest(maxOutput: 50, role: "scribe")) }
        await f.broker.waitForQueue { $0 == 1 }
        provider.release(2)
        _ = try await first.value  // settles at 20
        _ = try await second.value  // 20 + 60 fits
        #expect(provider.callCount == 2)
    }

    @Test func aRefusalIsRecordedAndReportedAsAnEvent() async throws {
        let (f, provider) = try fixture(budgets: BrokerBudgets(roles: ["scribe": BudgetLimit(tokensPerDay: 10)]))
        await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 1, role: "scribe"))  // 11 > 10
        }
        #expect(provider.callCount == 0)
        let rows = try f.ledger.records()
        #expect(rows.count == 1)
        #expect(rows[0].outcome == .budgetExceeded)
        #expect(rows[0].source == nil)
        #expect(rows[0].role == "scribe")
        #expect(rows[0].error?.contains("token budget of role `scribe`") == true)
        let refused = f.events.events.compactMap { event -> BudgetExceededError? in
            if case .budgetExceeded(let error, _) = event { return error }
            return nil
        }
        #expect(refused.map(\.scope) == [.role("scribe")])
    }

    @Test func budgetsSurviveARestart() async throws {
        let directory = brokerTemporaryDirectory()
        let clock = ManualClock()
        let budgets = BrokerBudgets(roles: ["scribe": BudgetLimit(tokensPerDay: 100)])
        do {
            let (f, _) = try fixture(budgets: budgets, directory: directory, clock: clock)
            _ = try await f.broker.complete(brokerRequest(maxOutput: 50, role: "scribe"))  // 60
        }
        let (f, _) = try fixture(budgets: budgets, directory: directory, clock: clock)
        await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 31, role: "scribe"))
        }
        _ = try await f.broker.complete(brokerRequest(maxOutput: 30, role: "scribe"))
    }

    @Test func modelBudgetsConvertToMicroUSD() {
        var spec = Value.object(["tokensPerDay": .int(5_000), "costPerDay": .double(2.5)])
        let budget = Budget(spec)!
        #expect(BudgetLimit(budget) == BudgetLimit(tokensPerDay: 5_000, costMicrosPerDay: 2_500_000))
        spec = .object(["costPerDay": .double(0.075)])
        #expect(BudgetLimit(Budget(spec)!).costMicrosPerDay == 75_000)
    }
}
