import CharterControl
import CharterEngine
import CharterModel
import CharterStore
import Foundation

/// `charter-bench api-data`: a data directory as a controller that has worked for a while leaves
/// it — the synthetic organization's `applied` tag bootstrapped into `charter.sqlite`, and RUNS
/// finished runs (two no-op steps each, spread over ten routines) in `runs.sqlite` — for
/// `scripts/api-bench.sh` to start a controller on and load with wrk.
struct APIBenchData {
    var resources: Int
    var runs: Int
    var seed: UInt64
    var directory: URL

    struct NoopExecutor: StepExecutor {
        func execute(_ context: StepContext) async throws -> StepResult { .succeeded(output: "") }
    }

    func run() async throws {
        let repo = directory.appendingPathComponent("org-\(resources)-seed\(seed)")
        if !FileManager.default.fileExists(atPath: repo.appendingPathComponent(".git").path) {
            progress("generating \(resources) resources in \(repo.path)")
            _ = try OrgWriter.write(SyntheticOrg(resources: resources, seed: seed), to: repo)
        }
        let data = directory.appendingPathComponent("data")
        try? FileManager.default.removeItem(at: data)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        progress("bootstrapping the applied state into \(data.path)")
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.path, revision: "applied"), store: StateStore(directory: data),
            dataDirectory: data, actor: "bench")

        progress("running \(runs) runs to completion")
        let store = try RunStore(directory: data)
        let engine = WorkflowEngine(
            store: store, executors: ["noop": NoopExecutor()],
            configuration: EngineConfiguration(maxConcurrentSteps: 64, maxConcurrentStepsPerRun: 2, actor: "bench"))
        let steps = [
            StepSpec(name: "gather", type: "noop"), StepSpec(name: "report", type: "noop", needs: ["gather"]),
        ]
        try await engine.start()
        // In batches, so the engine's queue stays short, as a day of routines keeps it.
        let ids = (0..<runs).map { String(format: "bench-%06d", $0) }
        for batch in stride(from: 0, to: ids.count, by: 500) {
            let slice = ids[batch..<min(batch + 500, ids.count)]
            for (offset, id) in slice.enumerated() {
                try await engine.submit(
                    RunSpec(id: id, template: "bench", routine: "routine-\((batch + offset) % 10)", steps: steps))
            }
            for id in slice {
                let record = try await engine.waitForCompletion(of: id)
                guard record.state == .succeeded else { throw BenchFailure(message: "run \(id) ended \(record.state)") }
            }
        }
        await engine.halt()
        print("repository: \(repo.path)")
        print("data directory: \(data.path)")
    }
}
