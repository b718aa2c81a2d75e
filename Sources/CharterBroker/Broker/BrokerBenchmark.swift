import CharterFoundation
import CharterModel
import Foundation

/// Measures what the broker adds to each call: admission, the reservation row (group-committed to
/// a real `usage.sqlite`), settlement and its row, under many concurrent callers.
///
/// Each of `concurrency` tasks makes calls back to back until `calls` are done. A call's overhead is
/// its duration through the broker minus the time spent inside the provider, so the provider's own
/// latency (zero for the built-in one, network time for a real endpoint) is excluded. The same
/// harness calling the provider directly gives the baseline.
public enum BrokerBenchmark {
    /// Latency figures in milliseconds.
    public struct Result: Sendable, CustomStringConvertible {
        /// Calls measured through the broker.
        public var calls: Int
        /// Concurrent callers.
        public var concurrency: Int
        /// Median broker overhead per call.
        public var overheadP50: Double
        /// 99th-percentile broker overhead per call.
        public var overheadP99: Double
        /// The largest broker overhead.
        public var overheadMax: Double
        /// Median end-to-end latency of a call made to the provider directly.
        public var directP50: Double
        /// 99th percentile of the direct end-to-end latency.
        public var directP99: Double
        /// Median end-to-end latency of a call through the broker.
        public var brokeredP50: Double
        /// 99th percentile of the brokered end-to-end latency.
        public var brokeredP99: Double
        /// Direct calls per second over the pass.
        public var directCallsPerSecond: Double
        /// Broker calls per second over the pass.
        public var callsPerSecond: Double
        /// Ledger rows written (one per call).
        public var ledgerRows: Int

        public var description: String {
            func ms(_ v: Double) -> String { String(format: "%.3f ms", v) }
            return """
                broker overhead over \(calls) calls at \(concurrency) concurrent: p50 \(ms(overheadP50)), \
                p99 \(ms(overheadP99)), max \(ms(overheadMax)); end to end direct p50 \(ms(directP50)), \
                p99 \(ms(directP99)), brokered p50 \(ms(brokeredP50)), p99 \(ms(brokeredP99)); \
                \(Int(directCallsPerSecond)) direct and \(Int(callsPerSecond)) brokered calls/s; \(ledgerRows) ledger rows
                """
        }
    }

    /// Runs the benchmark.
    ///
    /// - Parameters:
    ///   - concurrency: concurrent callers.
    ///   - calls: calls through the broker (and as many direct ones).
    ///   - providerLatency: the built-in benchmark provider's mean real-time latency per call,
    ///     drawn uniformly from ±50 % so callers do not arrive in waves; zero answers at once.
    ///   - provider: another provider to call instead (an HTTP provider against a local server).
    ///   - directory: where `usage.sqlite` goes; a fresh temporary directory by default (removed after).
    ///   - rampUp: callers start spread over this long (the provider's mean latency gives a steady
    ///     arrival rate from the start); zero starts them all at once, a burst.
    public static func run(
        concurrency: Int = 500, calls: Int = 20_000, providerLatency: Duration = .zero,
        provider: (any CompletionProvider)? = nil, directory: URL? = nil, rampUp: Duration? = nil
    ) async throws -> Result {
        let rampUp = rampUp ?? providerLatency
        let dir =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "charter-broker-bench-\(UUID().uuidString)")
        defer { if directory == nil { try? FileManager.default.removeItem(at: dir) } }
        let timing = TimingProvider(base: provider ?? BenchProvider(latency: providerLatency))
        let source = CapacitySource.make(
            name: "bench", capacityClass: "bench", requestsPerMinute: 100_000_000, tokensPerMinute: 1_000_000_000_000,
            concurrentRequests: 1_000_000, inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25)
        let ledger = try UsageLedger(directory: dir)
        let broker = try CapacityBroker(
            sources: [BrokerSource(source, provider: timing)],
            budgets: BrokerBudgets(organization: BudgetLimit(tokensPerDay: Int.max / 2)), ledger: ledger)

        let direct = try await measure(concurrency: concurrency, calls: calls, rampUp: rampUp, timing: timing) {
            request in _ = try await timing.complete(request)
        }
        let brokered = try await measure(concurrency: concurrency, calls: calls, rampUp: rampUp, timing: timing) {
            request in _ = try await broker.complete(request)
        }
        let rows = try ledger.totals(by: .source, since: .distantPast).reduce(0) { $0 + $1.calls }
        return Result(
            calls: calls, concurrency: concurrency, overheadP50: percentile(brokered.overheads, 0.50),
            overheadP99: percentile(brokered.overheads, 0.99), overheadMax: brokered.overheads.last ?? 0,
            directP50: percentile(direct.totals, 0.50), directP99: percentile(direct.totals, 0.99),
            brokeredP50: percentile(brokered.totals, 0.50), brokeredP99: percentile(brokered.totals, 0.99),
            directCallsPerSecond: Double(calls) / direct.seconds, callsPerSecond: Double(calls) / brokered.seconds,
            ledgerRows: rows)
    }

    /// One pass of `calls` calls: per-call overheads (time outside the provider) and end-to-end
    /// latencies in ms, sorted, and the pass's wall time in seconds.
    private struct Pass {
        var overheads: [Double]
        var totals: [Double]
        var seconds: Double
    }

    /// Runs `calls` calls from `concurrency` callers; caller k starts after k/concurrency of
    /// `rampUp`, so that callers arrive at the steady rate instead of all in the first instant.
    private static func measure(
        concurrency: Int, calls: Int, rampUp: Duration, timing: TimingProvider,
        _ call: @escaping @Sendable (CompletionRequest) async throws -> Void
    ) async throws -> Pass {
        let next = Locked(0)
        let callers = max(1, concurrency)
        let started = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: [(Double, Double)].self) { group in
            for caller in 0..<callers {
                group.addTask {
                    if rampUp > .zero {
                        try await Task.sleep(until: started + rampUp * (Double(caller) / Double(callers)))
                    }
                    var mine: [(Double, Double)] = []
                    while true {
                        let n = next.withLock { n in
                            defer { n += 1 }
                            return n
                        }
                        if n >= calls { return mine }
                        let key = "call-\(n)-\(UUID().uuidString)"
                        let request = CompletionRequest(
                            modelClass: "bench", prompt: "benchmark call \(n)", maxOutputTokens: 64,
                            idempotencyKey: key)
                        let start = ContinuousClock.now
                        try await call(request)
                        let total = ContinuousClock.now - start
                        let inside = timing.take(key) ?? .zero
                        mine.append((seconds(total - inside) * 1000, seconds(total) * 1000))
                    }
                }
            }
            var all: [(Double, Double)] = []
            for try await part in group { all += part }
            return all
        }
        return Pass(
            overheads: samples.map(\.0).sorted(), totals: samples.map(\.1).sorted(),
            seconds: seconds(ContinuousClock.now - started))
    }

    private static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Answers at once, or after a real-time latency drawn uniformly from [latency/2, 3·latency/2] so the
/// callers do not move in lockstep waves, with fixed usage.
private struct BenchProvider: CompletionProvider {
    let name = "bench"
    let latency: Duration

    func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        if latency > .zero { try await Task.sleep(for: latency * Double.random(in: 0.5...1.5)) }
        return CompletionResponse(
            text: "ok", model: "bench-1", finishReason: .stop, usage: TokenUsage(input: 12, output: 3, cachedInput: 4))
    }
}

/// Records how long each request spent inside the wrapped provider, by idempotency key.
private final class TimingProvider: CompletionProvider, Sendable {
    let base: any CompletionProvider
    private let durations = Locked<[String: Duration]>([:])

    init(base: any CompletionProvider) { self.base = base }

    var name: String { base.name }

    func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            durations.withLock { $0[request.idempotencyKey ?? ""] = elapsed }
        }
        return try await base.complete(request)
    }

    func take(_ key: String) -> Duration? { durations.withLock { $0.removeValue(forKey: key) } }
}
