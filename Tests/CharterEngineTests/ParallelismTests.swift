import CharterFoundation
import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterEngine

/// An executor that enters the shared gate.
struct GateExecutor: StepExecutor {
    let gate: Gate
    func execute(_ context: StepContext) async throws -> StepResult {
        await gate.enter(run: context.runID, step: context.step.name)
        return .succeeded(output: "")
    }
}

@Suite(.timeLimit(.minutes(5))) struct ParallelismTests {
    @Test func theGlobalAndPerRunLimitsHoldAndTheFirstWaveFollowsTheReadyOrder() async throws {
        let gate = Gate()
        let (engine, store) = try makeEngine(executors: ["noop": GateExecutor(gate: gate)], global: 3, perRun: 2)
        // Created before the engine starts, so that it sees them all at once.
        for r in 1...4 {
            try store.createRun(run("r\(r)", [step("s1"), step("s2"), step("s3")]), at: Date())
        }
        try await engine.start()
        await gate.waitForBlocked(3)
        // Ready order: runs by age, steps by declaration, at most two per run.
        #expect(await gate.entered == ["r1.s1", "r1.s2", "r2.s1"])
        await gate.openAll()
        for r in 1...4 { #expect(try await engine.waitForCompletion(of: "r\(r)").state == .succeeded) }
        #expect(await gate.entered.count == 12)
        #expect(await gate.maxActive == 3)
        #expect(await gate.maxActivePerRun.values.max() == 2)
    }

    @Test func aRunNeverExceedsItsOwnLimit() async throws {
        let gate = Gate()
        let (engine, _) = try makeEngine(executors: ["noop": GateExecutor(gate: gate)], global: 50, perRun: 4)
        try await engine.start()
        try await engine.submit(run("wide", (1...40).map { step("s\($0)") }))
        await gate.waitForBlocked(4)
        #expect(await gate.entered == ["wide.s1", "wide.s2", "wide.s3", "wide.s4"])
        await gate.openAll()
        #expect(try await engine.waitForCompletion(of: "wide").state == .succeeded)
        #expect(await gate.entered.count == 40)
        #expect(await gate.maxActive == 4)
    }

    @Test func readyStepsGoByPriorityThenAgeThenDeclaration() async throws {
        let recorder = Recorder()
        let (engine, store) = try makeEngine(executors: ["noop": ScriptedExecutor(recorder)], global: 1, perRun: 1)
        let steps = [step("b"), step("a"), step("c", needs: ["a"])]
        try store.createRun(run("low", priority: 0, steps), at: Date())
        try store.createRun(run("high", priority: 5, steps), at: Date())
        try store.createRun(run("mid", priority: 0, steps), at: Date())
        try await engine.start()
        for id in ["low", "high", "mid"] { _ = try await engine.waitForCompletion(of: id) }
        #expect(
            await recorder.order == [
                "high.b", "high.a", "high.c", "low.b", "low.a", "low.c", "mid.b", "mid.a", "mid.c",
            ])
    }

    @Test func tenThousandParallelStepsInOneRun() async throws {
        let recorder = Recorder()
        let (engine, store) = try makeEngine(
            executors: ["noop": ScriptedExecutor(recorder)], global: 256, perRun: 256)
        try await engine.start()
        try await engine.submit(
            run("big", (0..<10_000).map { step("s\($0)") } + [step("join", needs: ["s0", "s9999"])]))
        #expect(try await engine.waitForCompletion(of: "big").state == .succeeded)
        #expect(await recorder.calls.count == 10_001)
        #expect(try store.verifyChain(run: "big") == nil)
    }

    @Test func runsBeyondTheMemoryLimitWaitInTheStoreAndAreAdmittedByPriority() async throws {
        final class EngineBox: @unchecked Sendable {
            var engine: WorkflowEngine?
        }
        let box = EngineBox()
        let held = Recorder()
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder) { context in
            let count = await box.engine!.activeRunCount
            await held.record(
                StepContext(
                    runID: "\(count)", template: "", routine: nil, step: context.step, attempt: 1, parameters: [:],
                    upstream: [:], workspace: context.workspace, deadline: nil), at: Date())
            return .succeeded(output: "")
        }
        let store = try RunStore(directory: makeTemporaryDirectory("engine"))
        let engine = WorkflowEngine(
            store: store, executors: ["noop": executor], gate: LiteralGate(), clock: SystemWallClock(),
            configuration: EngineConfiguration(maxConcurrentSteps: 1, maxConcurrentStepsPerRun: 1, maxActiveRuns: 2))
        box.engine = engine
        for (id, priority) in [("p0", 0), ("p1", 1), ("p2", 2), ("p0b", 0), ("p1b", 1), ("p2b", 2)] {
            try store.createRun(run(id, priority: priority, [step("s")]), at: Date())
        }
        try await engine.start()
        try await engine.submit(run("late", priority: 1, [step("s")]))
        for id in ["p0", "p1", "p2", "p0b", "p1b", "p2b", "late"] {
            #expect(try await engine.waitForCompletion(of: id).state == .succeeded)
        }
        #expect(await recorder.order == ["p2.s", "p2b.s", "p1.s", "p1b.s", "late.s", "p0.s", "p0b.s"])
        #expect(await held.calls.allSatisfy { Int($0.run)! <= 2 })
        #expect(await engine.activeRunCount == 0)
    }
}
