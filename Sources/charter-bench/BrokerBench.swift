import CharterBroker
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `charter-bench broker`: what the capacity broker adds to each call, at many concurrent calls,
/// against a real OpenAI-compatible server on 127.0.0.1 (Hummingbird, in this process).
///
/// Each round calls the server directly through ``OpenAICompatibleProvider`` (the baseline) and
/// then through a ``CapacityBroker`` writing a real `usage.sqlite`; a call's overhead is its time
/// through the broker minus its time inside the provider (``BrokerBenchmark``).
struct BrokerBench {
    var concurrency: Int
    var calls: Int
    var rounds: Int
    /// The server's mean answer delay (uniform in ±50 %), standing in for a model's latency.
    var latencyMilliseconds: Int
    var dataDirectory: URL?

    func run() async throws {
        let router = Router()
        let latency = latencyMilliseconds
        router.post("v1/chat/completions") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            if latency > 0 { try await Task.sleep(for: .milliseconds(Double(latency) * Double.random(in: 0.5...1.5))) }
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            return Response(
                status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: Self.answer)))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname("127.0.0.1", port: 0), serverName: nil, backlog: 4096),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: Logger(label: "charter-bench-llm") { _ in SwiftLogNoOpLogHandler() })
        let serving = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { serving.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw UsageError(message: "the server did not start") }

        let http = ProviderHTTPClient(maxConnectionsPerHost: concurrency)
        let provider = OpenAICompatibleProvider(
            name: "loopback", endpoint: "http://127.0.0.1:\(port)/v1", model: "bench-1", apiKey: nil,
            client: http.client)
        print("Broker benchmark: OpenAI-compatible server on 127.0.0.1:\(port), answer delay \(latency) ms ±50 %")
        print(
            "\(ProcessInfo.processInfo.activeProcessorCount) cores; \(concurrency) concurrent callers, "
                + "\(calls) calls per round; ledger usage.sqlite (WAL, synchronous=NORMAL, group commit)")
        print("")
        print(
            "| round | overhead p50 ms | overhead p99 ms | overhead max ms | direct p50 ms | direct p99 ms "
                + "| brokered p50 ms | brokered p99 ms | direct calls/s | brokered calls/s | ledger rows |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        // Callers start spread over one mean answer delay: arrivals at the steady rate, not one burst.
        let rampUp = Duration.milliseconds(latency)
        do {
            // A warm-up round opens the connections and warms the caches; it is not reported.
            _ = try await BrokerBenchmark.run(
                concurrency: concurrency, calls: min(calls, concurrency * 4), provider: provider,
                directory: dataDirectory?.appendingPathComponent("warmup"), rampUp: rampUp)
            var results: [BrokerBenchmark.Result] = []
            for round in 1...rounds {
                let r = try await BrokerBenchmark.run(
                    concurrency: concurrency, calls: calls, provider: provider,
                    directory: dataDirectory?.appendingPathComponent("round-\(round)"), rampUp: rampUp)
                results.append(r)
                print(
                    "| \(round) | \(f(r.overheadP50)) | \(f(r.overheadP99)) | \(f(r.overheadMax)) | \(f(r.directP50)) "
                        + "| \(f(r.directP99)) | \(f(r.brokeredP50)) | \(f(r.brokeredP99)) "
                        + "| \(Int(r.directCallsPerSecond)) | \(Int(r.callsPerSecond)) | \(r.ledgerRows) |")
            }
            let p50 = median(results.map(\.overheadP50))
            let p99 = median(results.map(\.overheadP99))
            print("")
            print("median of \(rounds) rounds: overhead p50 \(f(p50)) ms, p99 \(f(p99)) ms (targets ≤ 0.5 ms, ≤ 2 ms)")
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func f(_ v: Double) -> String { String(format: "%.3f", v) }

    private func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static let answer = """
        {"id":"chatcmpl-bench","object":"chat.completion","model":"bench-1","choices":[{"index":0,\
        "message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":16,\
        "completion_tokens":3,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":4}}}
        """
}
