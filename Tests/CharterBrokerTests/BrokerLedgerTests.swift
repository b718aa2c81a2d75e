import CharterModel
import CharterTestSupport
import Foundation
import GRDB
import Testing

@testable import CharterBroker

@Suite("Broker ledger and cost")
struct BrokerLedgerTests {
    @Test func pricesConvertExactlyAndCostRoundsUpOnce() {
        let prices = TokenPrices(
            .make(
                name: "s", capacityClass: "c", inputPerMillion: 2.5, outputPerMillion: 10,
                cachedInputPerMillion: 1.25))
        #expect(
            prices
                == TokenPrices(
                    inputMicrosPerMillion: 2_500_000, outputMicrosPerMillion: 10_000_000,
                    cachedInputMicrosPerMillion: 1_250_000))
        #expect(TokenPrices.micros(0.075) == 75_000)
        #expect(TokenPrices.micros(0.1 + 0.2) == 300_000)
        // 600 uncached × 2.5 + 400 cached × 1.25 + 500 output × 10 = 1,500 + 500 + 5,000.
        #expect(prices.cost(of: TokenUsage(input: 1_000, output: 500, cachedInput: 400)) == 7_000)
        // One token at $0.075 per million is 0.075 micro-USD: rounded up to 1.
        #expect(
            TokenPrices(inputMicrosPerMillion: 75_000, outputMicrosPerMillion: 0, cachedInputMicrosPerMillion: 0)
                .cost(of: TokenUsage(input: 1, output: 0)) == 1)
        #expect(prices.cost(of: .zero) == 0)
        // The worst case prices every input token at the dearer input price.
        #expect(prices.worstCaseCost(inputTokens: 1_000, maxOutputTokens: 100) == 3_500)
        #expect(TokenPrices.usd(1_234_567) == "$1.234567")
        #expect(TokenPrices.usd(5) == "$0.000005")
    }

    @Test func everyCallHasARowIncludingFailuresAndRefusals() async throws {
        let clock = ManualClock()
        let provider = ScriptedProvider("p", clock: clock)
        let f = try BrokerFixture(
            sources: [
                BrokerSource(.make(name: "p", capacityClass: "standard", outputPerMillion: 1), provider: provider)
            ],
            budgets: BrokerBudgets(roles: ["tiny": BudgetLimit(tokensPerDay: 5)]), clock: clock, maxAttempts: 1)
        _ = try await f.broker.complete(brokerRequest(role: "scribe"))
        provider.push(.fail(CompletionError(.rateLimited(retryAfter: nil), "429 with api_key=sk-abcdefghijkl")))
        await #expect(throws: CompletionError.self) { try await f.broker.complete(brokerRequest(role: "scribe")) }
        await #expect(throws: BudgetExceededError.self) { try await f.broker.complete(brokerRequest(role: "tiny")) }
        clock.advance(by: 120)
        _ = try await f.broker.complete(brokerRequest(role: "scribe", run: "run-2", step: "two"))

        let rows = try f.ledger.records()
        #expect(rows.map(\.outcome) == [.ok, .rateLimited, .budgetExceeded, .ok])
        #expect(rows.allSatisfy { $0.state == .settled })
        #expect(rows.map(\.id) == rows.map(\.id).sorted())
        #expect(rows[0].usage == TokenUsage(input: 10, output: 5))
        #expect(rows[0].costMicros == 5)
        #expect(rows[0].reservedInputTokens == 10)
        #expect(rows[0].reservedOutputTokens == 90)
        #expect(rows[0].reservedCostMicros == 90)
        #expect(rows[0].run == "run-1")
        #expect(rows[0].model == "p-model")
        #expect(rows[1].error?.contains("sk-abcdefghijkl") == false)
        #expect(rows[3].run == "run-2")
        #expect(rows[3].startedAt == rows[0].startedAt.addingTimeInterval(120))

        let byRole = try f.ledger.totals(by: .role, since: .distantPast)
        #expect(byRole.map(\.key) == ["scribe", "tiny"])
        #expect(byRole[0].calls == 3)
        #expect(byRole[0].failures == 1)
        #expect(byRole[0].refused == 0)
        #expect(byRole[1].calls == 0)
        #expect(byRole[1].refused == 1)
        #expect(byRole[0].usage == TokenUsage(input: 20, output: 10))
        #expect(byRole[0].costMicros == 10)
        #expect(byRole[0].costText == "$0.000010")
        #expect(try f.ledger.totals(by: .source, since: .distantPast).map(\.key) == ["p", "-"])
        #expect(try f.ledger.totals(by: .day, since: .distantPast).map(\.key) == ["2027-01-15"])
        #expect(try f.ledger.totals(by: .routine, since: .distantPast).map(\.key) == ["-"])
        // `since` is inclusive, `until` exclusive.
        #expect(try f.ledger.totals(by: .run, since: rows[3].startedAt).map(\.key) == ["run-2"])
        #expect(try f.ledger.totals(by: .run, since: .distantPast, until: rows[3].startedAt).map(\.key) == ["run-1"])
    }

    @Test func aReservationLeftOpenByACrashIsSettledAtItsEstimateOnStartAndCounts() async throws {
        let directory = brokerTemporaryDirectory()
        let clock = ManualClock()
        let budgets = BrokerBudgets(roles: ["scribe": BudgetLimit(tokensPerDay: 150)])
        do {
            let provider = ScriptedProvider("p", clock: clock, fallback: .hold(TokenUsage(input: 1, output: 1)))
            let f = try BrokerFixture(
                sources: [
                    BrokerSource(.make(name: "p", capacityClass: "standard", inputPerMillion: 3), provider: provider)
                ],
                budgets: budgets, clock: clock, directory: directory)
            // A call reaches the provider and the process "dies" before it answers.
            let call = Task { try await f.broker.complete(brokerRequest(maxOutput: 90, role: "scribe")) }
            await provider.waitForCalls(1)
            #expect(try f.ledger.records().map(\.state) == [.reserved])
            call.cancel()
            _ = try? await call.value
        }
        // Simulate the crash: put the row back in its open state, as a killed process leaves it.
        let ledger = try UsageLedger(directory: directory)
        try await ledger.pool.write { db in
            try db.execute(
                sql: "UPDATE usage SET state = 'reserved', outcome = NULL, input_tokens = 0, output_tokens = 0")
        }
        #expect(try ledger.totals(by: .role, since: .distantPast).first?.estimated == 1)

        let provider = ScriptedProvider("p", clock: clock)
        let f = try BrokerFixture(
            sources: [
                BrokerSource(.make(name: "p", capacityClass: "standard", inputPerMillion: 3), provider: provider)
            ],
            budgets: budgets, clock: clock, directory: directory)
        let row = try #require(try f.ledger.records().first)
        #expect(row.state == .settled)
        #expect(row.outcome == .reconciled)
        #expect(row.estimated)
        #expect(row.usage == TokenUsage(input: 10, output: 90))
        #expect(row.costMicros == 30)
        // The reconciled 100 tokens count: 100 + 51 > 150 is refused, 100 + 50 fits.
        await #expect(throws: BudgetExceededError.self) {
            try await f.broker.complete(brokerRequest(maxOutput: 41, role: "scribe"))
        }
        _ = try await f.broker.complete(brokerRequest(maxOutput: 40, role: "scribe"))
        #expect(await f.broker.snapshot().sources[0].minuteRequests == 2)
    }

    @Test func theLedgerIsAWALFileNamedUsageSqlite() throws {
        let directory = brokerTemporaryDirectory()
        let ledger = try UsageLedger(directory: directory)
        #expect(ledger.path.hasSuffix("/usage.sqlite"))
        let mode = try ledger.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    /// Commits never checkpoint (that would stall the calls queued behind them); the checkpointer
    /// moves the rows into the database file beside the writer, so the WAL does not grow forever.
    @Test func rowsReachTheDatabaseFileThroughTheBackgroundCheckpointer() async throws {
        let directory = brokerTemporaryDirectory()
        let ledger = try UsageLedger(directory: directory)
        let file = directory.appendingPathComponent(UsageLedger.fileName).path
        let before = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        for batch in 0..<(UsageLedger.checkpointEvery * 3 / 100) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<100 {
                    group.addTask {
                        let record = UsageRecord(
                            id: ledger.allocateID(), startedAt: Date(timeIntervalSince1970: Double(batch * 100 + n)),
                            day: "2027-01-15", attempt: 1, failover: 0, source: "s", reservedInputTokens: 1,
                            reservedOutputTokens: 1, reservedCostMicros: 0, usage: .zero, costMicros: 0,
                            state: .settled, outcome: .ok, estimated: false, error: "row \(n) of batch \(batch)")
                        try await ledger.submit(.insert(record))
                    }
                }
                try await group.waitForAll()
            }
        }
        await ledger.checkpointFinished()
        let after = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        // 6,000 rows of about 100 bytes: far more than the empty file, all checkpointed in.
        #expect(after > before + 300_000, "usage.sqlite grew from \(before) to \(after) bytes")
        #expect(try ledger.records().count == UsageLedger.checkpointEvery * 3)
    }

    @Test func concurrentWritesAreGroupCommitted() async throws {
        let ledger = try UsageLedger(directory: brokerTemporaryDirectory())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<300 {
                group.addTask {
                    let record = UsageRecord(
                        id: ledger.allocateID(), startedAt: Date(timeIntervalSince1970: Double(n)), finishedAt: nil,
                        day: "2027-01-15", run: nil, step: nil, role: nil, routine: nil, person: nil, attempt: 1,
                        failover: 0, source: "s", model: nil, reservedInputTokens: 1, reservedOutputTokens: 1,
                        reservedCostMicros: 0, usage: .zero, costMicros: 0, state: .settled, outcome: .ok,
                        estimated: false, error: nil)
                    try await ledger.submit(.insert(record))
                }
            }
            try await group.waitForAll()
        }
        #expect(try ledger.records().count == 300)
    }
}
