import CoreMetrics

/// Where Charter's modules record their metrics, through swift-metrics' facade only: the process
/// chooses the backend (`charter controller` bootstraps Prometheus, see `CharterPrometheus`), and a
/// library never depends on it.
///
/// Every metric's name, type and labels are written once, in ``MetricName`` and the recording
/// methods of this type, so each name always carries the same label names (Prometheus refuses a
/// family whose label names differ) and no caller can put a run id or a secret in a label.
///
/// ``global`` records into whatever `MetricsSystem` was bootstrapped with (nothing before a
/// bootstrap, or the task-local factory of `withMetricsFactory`); tests give a factory of their own
/// to ``init(factory:)`` and read it back, whatever the process bootstrapped.
public struct CharterMetrics: Sendable {
    private let explicit: (any MetricsFactory)?

    /// Records into `factory`, never into the process's global one.
    public init(factory: any MetricsFactory) { explicit = factory }

    private init() { explicit = nil }

    /// Records into `MetricsSystem.factory`, read at each recording: a bootstrap after this value
    /// was stored still takes effect.
    public static let global = CharterMetrics()

    /// The factory a recording goes to now.
    public var factory: any MetricsFactory { explicit ?? MetricsSystem.factory }

    /// Creates, at 0, the series whose labels are known in advance (pass results, run outcomes,
    /// vote counts), so a scrape shows them before their first event and `rate()` and alerts
    /// work from the start.
    public func declareFixedSeries() {
        for result in ReconcileResult.allCases {
            count(MetricName.reconcilePasses, [("result", result.rawValue)], by: 0)
        }
        count(MetricName.votesCounted, by: 0)
        for state in ["succeeded", "failed", "cancelled"] { count(MetricName.runsFinished, [("state", state)], by: 0) }
        count(MetricName.brokerWaits, by: 0)
    }

    // MARK: - The facade, by kind; one name always with the same label names.

    func count(_ name: String, _ labels: [(String, String)] = [], by amount: Int64 = 1) {
        Counter(label: name, dimensions: labels, factory: factory).increment(by: amount)
    }

    func add(_ name: String, _ labels: [(String, String)] = [], _ amount: Double) {
        FloatingPointCounter(label: name, dimensions: labels, factory: factory).increment(by: amount)
    }

    func set(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }

    func time(_ name: String, _ labels: [(String, String)] = [], _ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = max(0, seconds) &* 1_000_000_000 &+ (seconds < 0 ? 0 : attoseconds / 1_000_000_000)
        Timer(label: name, dimensions: labels, factory: factory).recordNanoseconds(nanoseconds)
    }

    /// `seconds` as a `Duration` (0 when negative or not finite): a duration measured between two
    /// `Date`s of an injected clock.
    public static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
    }
}
