import CharterMetrics
import CharterPrometheus
import Testing

/// What the recording helpers put in a registry, read back through the text exposition that
/// Prometheus scrapes. Each test has an exporter of its own: nothing here touches the process's
/// `MetricsSystem`.
@Suite struct ExpositionTests {
    @Test func aPassIsCountedByResultAndTimedWithItsEnd() {
        let exporter = MetricsExporter()
        exporter.metrics.reconcilePass(.success, duration: .milliseconds(300), endedAt: 1_700_000_000)
        exporter.metrics.reconcilePass(.stalled, duration: .seconds(2), endedAt: 1_700_000_060)
        let text = exporter.exposition()
        #expect(text.contains(#"charter_reconcile_passes_total{result="success"} 1"#))
        #expect(text.contains(#"charter_reconcile_passes_total{result="stalled"} 1"#))
        // Declared at 0 before the first failure, so an alert on it has a series to read.
        #expect(text.contains(#"charter_reconcile_passes_total{result="failure"} 0"#))
        #expect(text.contains("charter_reconcile_pass_duration_seconds_count 2"))
        #expect(text.contains(#"charter_reconcile_pass_duration_seconds_bucket{le="0.5"} 1"#))
        #expect(text.contains(#"charter_reconcile_pass_duration_seconds_bucket{le="2.5"} 2"#))
        #expect(text.contains("charter_reconcile_last_pass_timestamp_seconds 1700000060"))
    }

    @Test func everyFamilyHasItsHelpAndType() {
        let exporter = MetricsExporter()
        recordOneOfEach(exporter.metrics)
        let lines = exporter.exposition().split(separator: "\n")
        let types = lines.filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
        #expect(Set(types) == Set(MetricName.help.keys), "every documented metric appears, and no other")
        for name in types {
            let help = lines.firstIndex { $0.hasPrefix("# HELP \(name) ") }
            let type = lines.firstIndex { $0.hasPrefix("# TYPE \(name) ") }
            #expect(help != nil && help! + 1 == type, "\(name): HELP right before TYPE")
        }
    }

    @Test func stateGaugesSetEveryKnownStateSoAnEmptiedOneReadsZero() {
        let exporter = MetricsExporter()
        exporter.metrics.proposals(["open": 2, "applied": 5], states: ["open", "approved", "applied"])
        exporter.metrics.proposals(["applied": 7], states: ["open", "approved", "applied"])
        let text = exporter.exposition()
        #expect(text.contains(#"charter_proposals{state="open"} 0"#))
        #expect(text.contains(#"charter_proposals{state="approved"} 0"#))
        #expect(text.contains(#"charter_proposals{state="applied"} 7"#))
    }

    @Test func brokerCallsChargeTokensAndCostBySource() {
        let exporter = MetricsExporter()
        let m = exporter.metrics
        m.brokerCall(source: "primary", outcome: "ok", inputTokens: 120, outputTokens: 30, costMicros: 2_500)
        m.brokerCall(source: "primary", outcome: "ok", inputTokens: 80, outputTokens: 20, costMicros: 1_500)
        m.brokerCall(source: CharterMetrics.noSource, outcome: "budget_exceeded")
        m.budgets([
            BudgetRemaining(scope: "organization", name: "", tokens: 900, costMicros: 1_250_000),
            BudgetRemaining(scope: "role", name: "writer", tokens: -5, costMicros: nil),
        ])
        let text = exporter.exposition()
        #expect(text.contains(#"charter_broker_calls_total{source="primary",outcome="ok"} 2"#))
        #expect(text.contains(#"charter_broker_calls_total{source="none",outcome="budget_exceeded"} 1"#))
        #expect(text.contains(#"charter_broker_tokens_total{source="primary",direction="input"} 200"#))
        #expect(text.contains(#"charter_broker_tokens_total{source="primary",direction="output"} 50"#))
        #expect(text.contains(#"charter_broker_cost_usd_total{source="primary"} 0.004"#))
        #expect(text.contains(#"charter_broker_budget_remaining_tokens{scope="organization",name=""} 900"#))
        #expect(text.contains(#"charter_broker_budget_remaining_usd{scope="organization",name=""} 1.25"#))
        // Overspent (a reservation settled above its estimate) reads 0, never negative.
        #expect(text.contains(#"charter_broker_budget_remaining_tokens{scope="role",name="writer"} 0"#))
        #expect(!text.contains(#"charter_broker_budget_remaining_usd{scope="role""#))
    }

    @Test func deliveriesAndNotificationsAreCountedByBoundedReason() {
        let exporter = MetricsExporter()
        let m = exporter.metrics
        m.webhookAccepted()
        m.webhookAccepted(ping: true)
        m.webhookRefused(.unauthenticated)
        m.webhookRefused(.unauthenticated)
        m.notificationSent(sink: "slack")
        m.notificationFailed(sink: "slack", reason: .timeout)
        m.voteRefused(.signature)
        m.voteCounted()
        let text = exporter.exposition()
        #expect(text.contains(#"charter_webhook_deliveries_total{result="accepted",reason="push"} 1"#))
        #expect(text.contains(#"charter_webhook_deliveries_total{result="accepted",reason="ping"} 1"#))
        #expect(text.contains(#"charter_webhook_deliveries_total{result="refused",reason="unauthenticated"} 2"#))
        #expect(text.contains(#"charter_notifications_sent_total{sink="slack"} 1"#))
        #expect(text.contains(#"charter_notifications_failed_total{sink="slack",reason="timeout"} 1"#))
        #expect(text.contains(#"charter_votes_refused_total{reason="signature"} 1"#))
        #expect(text.contains("charter_votes_counted_total 1"))
    }

    @Test func twoExportersDoNotShareValues() {
        let a = MetricsExporter()
        let b = MetricsExporter()
        a.metrics.webhookAccepted()
        #expect(a.exposition().contains("charter_webhook_deliveries_total"))
        #expect(!b.exposition().contains("charter_webhook_deliveries_total"))
    }
}

/// Records every metric once, with plausible values: the exposition then holds every family.
func recordOneOfEach(_ m: CharterMetrics) {
    m.reconcilePass(.success, duration: .milliseconds(120), endedAt: 1_700_000_000)
    m.voteCounted()
    m.voteRefused(.duplicate)
    m.proposals(["open": 1], states: ["open", "applied"])
    m.runs(["running": 1], runStates: ["pending", "running"], steps: ["succeeded": 3], stepStates: ["succeeded"])
    m.runFinished(state: "succeeded", duration: .seconds(42))
    m.stepFinished(type: "shell", state: "succeeded", duration: .seconds(3))
    m.engine(EngineLoad(readySteps: 2, runningSteps: 1, activeRuns: 1))
    m.brokerCall(source: "primary", outcome: "ok", inputTokens: 10, outputTokens: 5, costMicros: 100)
    m.brokerWaitStarted()
    m.brokerWaitEnded(after: .seconds(1))
    m.brokerQueued(0)
    m.brokerCooldown(source: "primary", reason: "rate_limited")
    m.budgets([BudgetRemaining(scope: "organization", name: "", tokens: 100, costMicros: 1_000_000)])
    m.webhookAccepted()
    m.notificationSent(sink: "webhook")
    m.notificationFailed(sink: "webhook", reason: .rejected)
}
