import Foundation
import Testing

@testable import CharterBroker

@Suite("Broker benchmark")
struct BrokerBenchmarkTests {
    @Test func theBenchmarkRunsAndRecordsEveryCall() async throws {
        let result = try await BrokerBenchmark.run(concurrency: 50, calls: 500)
        print(result)
        #expect(result.ledgerRows == 500)
        #expect(result.overheadP50 >= 0)
        #expect(result.overheadP99 >= result.overheadP50)
    }

    /// The figures for docs/BROKER.md: `CHARTER_BROKER_BENCH=1 swift test --filter BrokerBenchmarkTests`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CHARTER_BROKER_BENCH"] != nil))
    func fiveHundredConcurrentCalls() async throws {
        for latency in [Duration.zero, .milliseconds(100), .milliseconds(500)] {
            let result = try await BrokerBenchmark.run(concurrency: 500, calls: 10_000, providerLatency: latency)
            print("provider latency \(latency): \(result)")
        }
    }
}
