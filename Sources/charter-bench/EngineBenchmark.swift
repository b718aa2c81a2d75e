import CharterEngine
import CharterModel
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `charter-bench engine`: the workflow engine with no-op steps and durability on (every transition
/// committed to `runs.sqlite` before its effect), so what is measured is the engine's own cost.
struct EngineBenchmark {
    /// Steps that do nothing: all the time spent is the engine's.
    struct NoopExecutor: StepExecutor {
        func execute(_ context: StepContext) async throws -> StepResult { .succeeded(output: "") }
    }

    enum Shape: String {
        /// s1 → s2 → … → s10.
        case chain
        /// s1 → (s2 s3 s4) → s5 → (s6 s7 s8) → s9 → s10: fan-out and fan-in.
        case dag
    }

    struct Result {
        var label: String
        var runs: Int
        var steps: Int
        var seconds: Double
        var cpuSeconds: Double
        var peakMB: Double
        var eventsVerified: Int

        var stepsPerSecond: Double { Double(steps) / seconds }
        var wallMsPerStep: Double { seconds * 1000 / Double(steps) }
        var cpuMsPerStep: Double { cpuSeconds * 1000 / Double(steps) }
    }

    var runs: Int
    var stepsPerRun: Int
    var shape: Shape
    var parallelSteps: Int
    var maxConcurrentSteps: Int
    var maxConcurrentStepsPerRun: Int
    /// Each step's timeout (templates default to 10 minutes); nil for none.
    var timeoutMilliseconds: Int?
    var dataDirectory: URL?

    func run() async throws {
        print("Engine benchmark: no-op steps, durability on (WAL, synchronous=NORMAL, group commit)")
        let timeout = timeoutMilliseconds.map { "\($0) ms" } ?? "none"
        print(
            "\(ProcessInfo.processInfo.activeProcessorCount) cores; at most \(maxConcurrentSteps) steps at once, "
                + "\(maxConcurrentStepsPerRun) per run; step timeout \(timeout)")
        print("")
        print("| workload | runs | steps | wall s | steps/s | wall ms/step | CPU ms/step | peak RSS MB |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        let many = try await manyRuns()
        printRow(many)
        let wide = try await oneWideRun()
        printRow(wide)
        print("")
        print("Event chains verified: \(many.eventsVerified + wide.eventsVerified) runs.")
    }

    private func printRow(_ r: Result) {
        print(
            String(
                format: "| %@ | %d | %d | %.2f | %.0f | %.3f | %.3f | %.1f |", r.label, r.runs, r.steps, r.seconds,
                r.stepsPerSecond, r.wallMsPerStep, r.cpuMsPerStep, r.peakMB))
    }

    private func freshDirectory(_ name: String) throws -> URL {
        let base = dataDirectory ?? FileManager.default.temporaryDirectory
        let url = base.appendingPathComponent("charter-engine-bench-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func steps() -> [StepSpec] {
        let names = (1...stepsPerRun).map { "s\($0)" }
        switch shape {
        case .chain:
            return names.enumerated().map { i, name in
                StepSpec(
                    name: name, type: "noop", needs: i == 0 ? [] : [names[i - 1]],
                    timeoutMilliseconds: timeoutMilliseconds)
            }
        case .dag:
            // Layers of one and three steps in turn, each needing the whole layer before it.
            var specs: [StepSpec] = []
            var previous: [String] = []
            var i = 0
            while i < names.count {
                let layer = Array(names[i..<min(i + (previous.count == 1 ? 3 : 1), names.count)])
                for name in layer {
                    specs.append(
                        StepSpec(name: name, type: "noop", needs: previous, timeoutMilliseconds: timeoutMilliseconds))
                }
                previous = layer
                i += layer.count
            }
            return specs
        }
    }

    private func engine(_ directory: URL, perRun: Int) throws -> (WorkflowEngine, RunStore) {
        let store = try RunStore(directory: directory)
        let engine = WorkflowEngine(
            store: store, executors: ["noop": NoopExecutor()],
            configuration: EngineConfiguration(
                maxConcurrentSteps: maxConcurrentSteps, maxConcurrentStepsPerRun: perRun, actor: "bench"))
        return (engine, store)
    }

    /// Many runs submitted one by one while the engine works, as a scheduler would.
    private func manyRuns() async throws -> Result {
        let directory = try freshDirectory("runs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (engine, store) = try engine(directory, perRun: maxConcurrentStepsPerRun)
        let template = steps()
        let ids = (0..<runs).map { String(format: "bench-%06d", $0) }
        let cpu0 = cpuSeconds()
        let t0 = ContinuousClock.now
        try await engine.start()
        for id in ids {
            try await engine.submit(RunSpec(id: id, template: "bench", routine: "bench", steps: template))
        }
        for id in ids {
            let record = try await engine.waitForCompletion(of: id)
            guard record.state == .succeeded else { throw BenchFailure(message: "run \(id) ended \(record.state)") }
        }
        let seconds = seconds(ContinuousClock.now - t0)
        let cpu = cpuSeconds() - cpu0
        var verified = 0
        for id in ids.prefix(50) {
            if let problem = try store.verifyChain(run: id) { throw BenchFailure(message: "run \(id): \(problem)") }
            verified += 1
        }
        return Result(
            label: "\(runs) runs × \(stepsPerRun) (\(shape.rawValue))", runs: runs, steps: runs * template.count,
            seconds: seconds, cpuSeconds: cpu, peakMB: peakResidentMB(), eventsVerified: verified)
    }

    /// One run of many independent steps.
    private func oneWideRun() async throws -> Result {
        let directory = try freshDirectory("wide")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (engine, store) = try engine(directory, perRun: maxConcurrentSteps)
        let steps = (0..<parallelSteps).map {
            StepSpec(name: "s\($0)", type: "noop", timeoutMilliseconds: timeoutMilliseconds)
        }
        let cpu0 = cpuSeconds()
        let t0 = ContinuousClock.now
        try await engine.start()
        try await engine.submit(RunSpec(id: "wide", template: "bench", steps: steps))
        let record = try await engine.waitForCompletion(of: "wide")
        let seconds = seconds(ContinuousClock.now - t0)
        let cpu = cpuSeconds() - cpu0
        guard record.state == .succeeded else { throw BenchFailure(message: "the wide run ended \(record.state)") }
        if let problem = try store.verifyChain(run: "wide") { throw BenchFailure(message: "wide run: \(problem)") }
        return Result(
            label: "1 run × \(parallelSteps) parallel", runs: 1, steps: parallelSteps, seconds: seconds,
            cpuSeconds: cpu,
            peakMB: peakResidentMB(), eventsVerified: 1)
    }

    private func seconds(_ d: Swift.Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// User plus system CPU time of this process.
    private func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
