import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterEngine

@Suite(.timeLimit(.minutes(5))) struct DurabilityTests {
    @Test func afterACrashFinishedStepsStayDoneAndTheInFlightStepIsRetried() async throws {
        let directory = makeTemporaryDirectory("engine")
        let recorder = Recorder()
        let hangOnce = ScriptedExecutor(recorder) { context in
            if context.step.name == "c" && context.attempt == 1 { try await blockUntilCancelled() }
            return .succeeded(output: "out-\(context.step.name)-\(context.attempt)")
        }
        let policy = RetryPolicy(maxAttempts: 3, initialBackoffMilliseconds: 0)
        let chain = run(
            "r",
            [
                step("a"), step("b", needs: ["a"]), step("c", needs: ["b"], retry: policy),
                step("d", needs: ["c"]),
            ])
        let first = try makeEngine(directory, executors: ["noop": hangOnce])
        try await first.engine.start()
        try await first.engine.submit(chain)
        _ = try await first.engine.waitFor(run: "r") { $0[step: "c"].state == .running }
        await recorder.waitForCalls(3)
        await first.engine.halt()
        #expect(try first.store.run("r")?[step: "c"].state == .running)

        let second = try makeEngine(directory, executors: ["noop": hangOnce])
        try await second.engine.start()
        #expect(try await second.engine.waitForCompletion(of: "r").state == .succeeded)
        #expect(await recorder.count(run: "r", step: "a") == 1)
        #expect(await recorder.count(run: "r", step: "b") == 1)
        #expect(await recorder.calls.filter { $0.step == "c" }.map(\.attempt) == [1, 2])
        #expect(await recorder.count(run: "r", step: "d") == 1)
        let detail = try #require(try second.store.run("r"))
        #expect(detail[step: "c"].attempt == 2 && detail[step: "c"].output == "out-c-2")
        let events = try second.store.events(run: "r", step: "c")
        #expect(events.map(\.type) == ["step.started", "step.retrying", "step.started", "step.succeeded"])
        #expect(events[1].data["reason"] == "interrupted: the engine stopped during attempt 1")
        #expect(try second.store.verifyChain(run: "r") == nil)
    }

    @Test func anInFlightStepWithoutAttemptsLeftFailsOnResume() async throws {
        let directory = makeTemporaryDirectory("engine")
        let recorder = Recorder()
        let hang = ScriptedExecutor(recorder) { _ in
            try await blockUntilCancelled()
            return .succeeded(output: "")
        }
        let first = try makeEngine(directory, executors: ["noop": hang])
        try await first.engine.start()
        try await first.engine.submit(run("r", [step("a"), step("b", needs: ["a"])]))
        await recorder.waitForCalls(1)
        await first.engine.halt()
        let second = try makeEngine(directory, executors: ["noop": hang])
        try await second.engine.start()
        #expect(try await second.engine.waitForCompletion(of: "r").state == .failed)
        let detail = try #require(try second.store.run("r"))
        #expect(detail[step: "a"].state == .failed && detail[step: "a"].attempt == 1)
        #expect(detail[step: "b"].state == .skipped)
        #expect(await recorder.calls.count == 1)
    }

    @Test func manyRunsResumeWithoutRunningAnyFinishedStepAgain() async throws {
        let directory = makeTemporaryDirectory("engine")
        let before = Recorder()
        let gate = Gate()
        // The first engine stops while 8 attempts hang in its gate and many steps are done.
        let stalling = ScriptedExecutor(before) { context in
            if Int(context.runID.dropFirst(1))! % 3 == 0 && context.step.name == "s3" {
                await gate.enter(run: context.runID, step: context.step.name)
            }
            return .succeeded(output: context.idempotencyKey)
        }
        let policy = RetryPolicy(maxAttempts: 2, initialBackoffMilliseconds: 0)
        let specs = (0..<24).map { r in
            run("r\(r)", (1...5).map { step("s\($0)", needs: $0 == 1 ? [] : ["s\($0 - 1)"], retry: policy) })
        }
        let first = try makeEngine(directory, executors: ["noop": stalling], global: 8, perRun: 2)
        try await first.engine.start()
        try await first.engine.submit(specs)
        await gate.waitForBlocked(8)
        await first.engine.halt()
        var finished = Set<String>()
        for r in 0..<24 {
            for s in try first.store.run("r\(r)")!.steps where s.state == .succeeded {
                finished.insert("r\(r).\(s.name)")
            }
        }
        #expect(finished.count > 24)

        let after = Recorder()
        let second = try makeEngine(directory, executors: ["noop": ScriptedExecutor(after)], global: 8, perRun: 2)
        try await second.engine.start()
        for r in 0..<24 { #expect(try await second.engine.waitForCompletion(of: "r\(r)").state == .succeeded) }
        let rerun = await after.calls.map { "\($0.run).\($0.step)" }
        #expect(Set(rerun).isDisjoint(with: finished))
        #expect(Set(rerun).union(finished).count == 24 * 5)
        for call in await after.calls where call.step == "s3" && Int(call.run.dropFirst(1))! % 3 == 0 {
            #expect(call.attempt == 2)
        }
        for r in 0..<24 { #expect(try second.store.verifyChain(run: "r\(r)") == nil) }
        #expect(await second.engine.activeRunCount == 0)
    }

    @Test(arguments: [true, false])
    func anApprovalWaitsAcrossARestartUntilResolved(approved: Bool) async throws {
        let directory = makeTemporaryDirectory("engine")
        let recorder = Recorder()
        let executors: [String: any StepExecutor] = [
            "approval": ScriptedExecutor(recorder) { _ in .suspended(detail: "P-0007 needs the change board") },
            "noop": ScriptedExecutor(recorder) { context in
                .succeeded(output: context.upstream["approve"]?.output ?? "none")
            },
        ]
        let spec = run("deploy", [step("approve", "approval"), step("ship", needs: ["approve"])])
        let first = try makeEngine(directory, executors: executors)
        try await first.engine.start()
        try await first.engine.submit(spec)
        let waiting = try await first.engine.waitFor(run: "deploy") { $0[step: "approve"].state == .waiting }
        #expect(waiting[step: "approve"].reason == "P-0007 needs the change board")
        await first.engine.halt()

        let second = try makeEngine(directory, executors: executors)
        try await second.engine.start()
        let resumed = try #require(await second.engine.snapshot(run: "deploy"))
        #expect(resumed[step: "approve"].state == .waiting && resumed[step: "ship"].state == .pending)
        await #expect(throws: EngineError.self) {
            try await second.engine.resolve(run: "deploy", step: "ship", approved: true)
        }
        try await second.engine.resolve(
            run: "deploy", step: "approve", approved: approved, detail: "vote 2/2", by: "board")
        let record = try await second.engine.waitForCompletion(of: "deploy")
        #expect(await recorder.count(run: "deploy", step: "approve") == 1)
        let detail = try #require(try second.store.run("deploy"))
        if approved {
            #expect(record.state == .succeeded)
            #expect(detail[step: "ship"].output == "vote 2/2")
        } else {
            #expect(record.state == .failed)
            #expect(detail[step: "approve"].reason == "rejected: vote 2/2")
            #expect(detail[step: "ship"].state == .skipped)
        }
        let resolution = try second.store.events(run: "deploy", step: "approve").last
        #expect(resolution?.actor == "board" && resolution?.data["approved"] == .bool(approved))
        #expect(try second.store.verifyChain(run: "deploy") == nil)
    }

    @Test func submittingTheSameRunTwiceRunsItOnce() async throws {
        let recorder = Recorder()
        let (engine, store) = try makeEngine(executors: ["noop": ScriptedExecutor(recorder)])
        try await engine.start()
        let spec = run("nightly-20261121T0600Z", [step("a"), step("b", needs: ["a"])])
        let first = try await engine.submit(spec)
        let second = try await engine.submit(spec)
        #expect(first.id == second.id && first.createdAt == second.createdAt)
        _ = try await engine.waitForCompletion(of: spec.id)
        let third = try await engine.submit(spec)
        #expect(third.state == .succeeded)
        #expect(await recorder.calls.count == 2)
        #expect(try store.runs().count == 1)
        #expect(try store.events(run: spec.id).filter { $0.type == "run.created" }.count == 1)
    }

    @Test func oneEngineAtATimeOwnsADataDirectory() async throws {
        let directory = makeTemporaryDirectory("engine")
        let first = try makeEngine(directory, executors: [:])
        try await first.engine.start()
        let second = try makeEngine(directory, executors: [:])
        let error = await #expect(throws: RunStoreError.self) { try await second.engine.start() }
        #expect(error?.message.contains("another engine") == true)
        await first.engine.halt()
        let third = try makeEngine(directory, executors: [:])
        try await third.engine.start()
        await third.engine.halt()
    }

    @Test func drainLetsRunningAttemptsFinishAndStartsNothingNew() async throws {
        let directory = makeTemporaryDirectory("engine")
        let gate = Gate()
        let recorder = Recorder()
        let executors: [String: any StepExecutor] = [
            "gate": GateExecutor(gate: gate), "noop": ScriptedExecutor(recorder),
        ]
        let first = try makeEngine(directory, executors: executors, perRun: 1)
        try await first.engine.start()
        try await first.engine.submit(run("r", [step("a", "gate"), step("b")]))
        await gate.waitForBlocked(1)
        let drained = Task { await first.engine.drain() }
        while await !first.engine.draining { await Task.yield() }
        // Draining waits for `a`; it is released only now, so `b` could start if draining did not stop it.
        await gate.openAll()
        await drained.value
        let detail = try #require(try first.store.run("r"))
        #expect(detail[step: "a"].state == .succeeded && detail[step: "b"].state == .pending)
        #expect(await recorder.calls.isEmpty)

        let second = try makeEngine(directory, executors: executors)
        try await second.engine.start()
        #expect(try await second.engine.waitForCompletion(of: "r").state == .succeeded)
        #expect(await recorder.calls.count == 1)
    }
}
