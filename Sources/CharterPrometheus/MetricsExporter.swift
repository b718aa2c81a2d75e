import CharterMetrics
import CoreMetrics
import Prometheus

/// Charter's metrics as Prometheus scrapes them: a collector registry, the swift-metrics factory
/// over it (with Charter's histogram buckets), and the text exposition with each metric's help.
///
/// `charter controller` bootstraps `MetricsSystem` once with ``process``; tests make their own
/// exporter and pass its ``metrics`` to what they exercise, so no test depends on the global
/// bootstrap or its order.
public struct MetricsExporter: Sendable {
    /// Where the metrics live.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics backend over ``registry``.
    public let factory: PrometheusMetricsFactory

    /// An exporter over a new registry.
    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = MetricName.durationBuckets.mapValues { seconds in
            seconds.map { Duration.nanoseconds(Int64($0 * 1e9)) }
        }
        self.registry = registry
        self.factory = factory
        // Series with fixed labels exist from the start at 0, so rates and alerts see them before
        // the first event.
        metrics.declareFixedSeries()
    }

    /// Records into this exporter, whatever the process bootstrapped.
    public var metrics: CharterMetrics { CharterMetrics(factory: factory) }

    /// The process's exporter: created, and `MetricsSystem` bootstrapped with it, on first use,
    /// once per process (a second bootstrap would crash). `CharterMetrics.global` then records here.
    public static var process: MetricsExporter { bootstrapped }

    private static let bootstrapped: MetricsExporter = {
        let exporter = MetricsExporter()
        MetricsSystem.bootstrap(exporter.factory)
        return exporter
    }()

    /// The Prometheus text exposition (version 0.0.4) of every metric, each family with its
    /// `# HELP` line from ``MetricName/help``.
    public func exposition() -> String {
        let text = registry.emitToString()
        var out = ""
        out.reserveCapacity(text.utf8.count + 4096)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                if let help = MetricName.help[String(name)] {
                    out += "# HELP \(name) \(help)\n"
                }
            }
            out += line
            out += "\n"
        }
        // `split` leaves an empty last piece for the final newline: drop the extra one.
        if out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }
}
