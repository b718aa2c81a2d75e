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
}
