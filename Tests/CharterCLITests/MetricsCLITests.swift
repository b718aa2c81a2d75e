import CharterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `/metrics` of the built `charter controller`, scraped over real HTTP after real passes: the
/// values are the process's, and Prometheus' own checker accepts what it serves.
@Suite(.serialized) struct MetricsCLITests {
    @Test func aScrapeCountsThePassesAndTheWebhooksTheControllerSaw() async throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        let apply = try charter.run(["apply", "--bootstrap", repo.root.path])
        #expect(apply.status == 0, "\(apply.stderr)")
        let controller = try ControllerProcess(
            charter, [repo.root.path, "--interval", "1h", "--http-listen", "127.0.0.1:0"])
        let port = try await controller.webhookPort()
        try await controller.waitForLine(containing: "ready: the first pass completed")

        // No webhook secret: /hooks/git answers 404, and the refusal is counted.
        #expect(try await RawConnection.post("/hooks/git", body: "{}", port: port) == 404)

        let scrape = try #require(try await RawConnection.fetch("/metrics", port: port))
        #expect(scrape.status == 200)
        let samples = Samples(scrape.body)
        #expect(samples[#"charter_reconcile_passes_total{result="success"}"#] == 1, "\(scrape.body)")
        #expect(samples[#"charter_reconcile_passes_total{result="failure"}"#] == 0)
        #expect(samples["charter_reconcile_pass_duration_seconds_count"] == 1)
        #expect((samples["charter_reconcile_last_pass_timestamp_seconds"] ?? 0) > 1_700_000_000)
        #expect(samples[#"charter_webhook_deliveries_total{result="refused",reason="not_configured"}"#] == 1)
        // Scrape-time gauges from the stores: nothing proposed yet, no run.
        #expect(samples[#"charter_proposals{state="open"}"#] == 0)
        #expect(samples[#"charter_runs{state="running"}"#] == 0)
        #expect(samples["charter_engine_ready_steps"] == 0)

        if Promtool.path != nil {
            let check = try Promtool.checkMetrics(scrape.body)
            #expect(check.status == 0 && check.stdout.isEmpty && check.stderr.isEmpty, "\(check.stdout)\(check.stderr)")
        } else {
            print("promtool check metrics skipped: \(Promtool.missing)")
        }

        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
    }

    @Test func onAnotherAddressAReadTokenIsNeeded() async throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        setenv("CHARTER_TEST_READ_TOKEN", "metrics-read-token-0123456789", 1)
        defer { unsetenv("CHARTER_TEST_READ_TOKEN") }
        let controller = try ControllerProcess(
            charter,
            [
                repo.root.path, "--interval", "1h", "--http-listen", "0.0.0.0:0", "--read-token-env",
                "CHARTER_TEST_READ_TOKEN",
            ])
        let line = try await controller.waitForLine(containing: "webhook server listening")
        let port = try #require(
            line.range(of: #"address=0\.0\.0\.0:[0-9]+"#, options: .regularExpression)
                .flatMap { Int(line[$0].split(separator: ":").last ?? "") })
        #expect(try await RawConnection.fetch("/metrics", port: port)?.status == 401)
        let allowed = try await RawConnection.fetch(
            "/metrics", port: port, headers: ["Authorization: Bearer metrics-read-token-0123456789"])
        #expect(allowed?.status == 200)
        #expect(allowed?.body.contains("# TYPE charter_reconcile_passes_total counter") == true)
        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
    }
}

/// The samples of a text exposition, by series (`name{labels}`).
struct Samples {
    private var values: [String: Double] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            values[String(line[..<space])] = value
        }
    }

    subscript(series: String) -> Double? { values[series] }
}
