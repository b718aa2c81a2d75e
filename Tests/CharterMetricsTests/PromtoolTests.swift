import CharterMetrics
import CharterPrometheus
import CharterTestSupport
import Foundation
import Testing

/// Prometheus' own checker on what Charter serves and ships: the exposition of every metric
/// (`promtool check metrics`, which also lints names, units and help) and the example alert rules
/// (`promtool check rules`). Skipped, saying so, only where promtool is not installed (`make deps`
/// installs Debian's `prometheus`, which has it).
@Suite struct PromtoolTests {
    @Test(.enabled(if: Promtool.path != nil, Promtool.missing))
    func theExpositionOfEveryMetricPassesPromtool() throws {
        let exporter = MetricsExporter()
        recordOneOfEach(exporter.metrics)
        let result = try Promtool.checkMetrics(exporter.exposition())
        #expect(result.status == 0, "promtool check metrics:\n\(result.stdout)\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "lint problems:\n\(result.stdout)\(result.stderr)")
    }

    @Test(.enabled(if: Promtool.path != nil, Promtool.missing))
    func theExampleAlertRulesPassPromtool() throws {
        let rules = Promtool.repositoryRoot.appendingPathComponent("docs/alerts/charter-rules.yml")
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: Promtool.path!), ["check", "rules", rules.path])
        #expect(result.status == 0, "promtool check rules:\n\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("SUCCESS"))
    }

    @Test func theAlertRulesNameOnlyMetricsCharterExports() throws {
        let rules = try String(
            contentsOf: Promtool.repositoryRoot.appendingPathComponent("docs/alerts/charter-rules.yml"), encoding: .utf8
        )
        let used = Set(
            rules.matches(of: /charter_[a-z_]+/).map { match -> String in
                // Histograms are queried through their series, not their family's name.
                var name = String(match.output)
                for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) {
                    name.removeLast(suffix.count)
                }
                return name
            })
        #expect(!used.isEmpty)
        #expect(used.subtracting(MetricName.help.keys).isEmpty, "unknown metrics in the rules")
    }
}

/// Where promtool is, and how a test runs it.
enum Promtool {
    static let path: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static let missing: Comment = "promtool is not installed (Debian: apt-get install prometheus; `make deps` does)"

    /// The repository: three levels above this file (Tests/CharterMetricsTests/…).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `promtool check metrics` on `text`, given on its standard input.
    static func checkMetrics(_ text: String) throws -> ProcessRunner.Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("charter-metrics-\(UUID()).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try ProcessRunner.run(URL(fileURLWithPath: path!), ["check", "metrics"], input: file)
    }
}
