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
    @Test(.enabled(if: Promtool.path != nil, Comment(rawValue: Promtool.missing)))
    func theExpositionOfEveryMetricPassesPromtool() throws {
        let exporter = MetricsExporter()
        recordOneOfEach(exporter.metrics)
        let result = try Promtool.checkMetrics(exporter.exposition())
        #expect(result.status == 0, "promtool check metrics:\n\(result.stdout)\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "lint problems:\n\(result.stdout)\(result.stderr)")
    }

    @Test(.enabled(if: Promtool.path != nil, Comment(rawValue: Promtool.missing)))
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
