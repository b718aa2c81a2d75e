import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterEngine

@Suite(.timeLimit(.minutes(5))) struct CancellationTests {
    /// A run whose first step hangs until cancelled, with a dependent, an approval that waits, a
    /// second hanging step that takes the approval's slot and a step left waiting for a slot (with
    /// two slots per run).
    private func hangingRun(_ id: String) -> RunSpec {
        run(
            id,
            [
                step("hang", "hang"), step("after", needs: ["hang"]), step("approve", "approval"),
                step("hang2", "hang"), step("queued"),
            ])
    }

    private func executors(_ recorder: Recorder) -> [String: any StepExecutor] {
        [
            "hang": ScriptedExecutor(recorder) { _ in
                try await blockUntilCancelled()
                return .succeeded(output: "never")
            },
            "approval": ScriptedExecutor(recorder) { _ in .suspended(detail: "board change") },
            "noop": ScriptedExecutor(recorder),
        ]
    }

    @Test func cancelReachesTheRunningStepAndEndsTheRun() async throws {
        let recorder = Recorder()
        let (engine, store) = try makeEngine(executors: executors(recorder), perRun: 2)
        try await engine.start()
        try await engine.submit(hangingRun("r"))
        _ = try await engine.waitFor(run: "r") {
            $0[step: "approve"].state == .waiting && $0[step: "hang2"].state == .running
        }
        await recorder.waitForCalls(3)
        #expect(try await engine.cancel(run: "r", by: "alice"))
        let record = try await engine.waitForCompletion(of: "r")
        #expect(record.state == .cancelled && record.cancelRequested)
        #expect(await Set(recorder.cancellations) == ["r/hang/1", "r/hang2/1"])
        let detail = try #require(try store.run("r"))
        #expect(detail.steps.allSatisfy { $0.state == .cancelled && $0.reason == "run cancelled" })
        #expect(await recorder.count(run: "r", step: "queued") == 0)
        let events = try store.events(run: "r")
        #expect(events.contains { $0.type == "run.cancel-requested" && $0.actor == "alice" })
        #expect(events.last?.type == "run.cancelled")
        #expect(try store.verifyChain(run: "r") == nil)
        #expect(try await engine.cancel(run: "r") == false)
    }

    @Test func aRequestFromAnotherProcessIsPickedUpByPoll() async throws {
        let directory = makeTemporaryDirectory("engine")
        let recorder = Recorder()
        let (engine, store) = try makeEngine(directory, executors: executors(recorder), perRun: 1)
        try await engine.start()
        try await engine.submit(hangingRun("r"))
        await recorder.waitForCalls(1)
        // Another process: its own connection to the same file.
        let cli = try RunStore(directory: directory)
        #expect(try cli.requestCancel(run: "r"))
        try await engine.poll()
        #expect(try await engine.waitForCompletion(of: "r").state == .cancelled)
        #expect(await recorder.cancellations == ["r/hang/1"])
        #expect(try store.run("r")?.steps.allSatisfy { $0.state == .cancelled } == true)
        #expect(try cli.requestCancel(run: "r") == false)
    }

    @Test func aRunCancelledBeforeAnyEngineStartsNeverExecutes() async throws {
        let recorder = Recorder()
        let (engine, store) = try makeEngine(executors: executors(recorder))
        try store.createRun(hangingRun("r"), at: Date())
        #expect(try store.requestCancel(run: "r"))
        try await engine.start()
        #expect(try await engine.waitForCompletion(of: "r").state == .cancelled)
        #expect(await recorder.calls.isEmpty)
    }

    @Test func pollAdoptsRunsCreatedByAnotherProcess() async throws {
        let directory = makeTemporaryDirectory("engine")
        let recorder = Recorder()
        let (engine, _) = try makeEngine(directory, executors: executors(recorder))
        try await engine.start()
        try RunStore(directory: directory).createRun(run("cli", [step("a")]), at: Date())
        try await engine.poll()
        #expect(try await engine.waitForCompletion(of: "cli").state == .succeeded)
        #expect(await recorder.count(run: "cli", step: "a") == 1)
    }
}
