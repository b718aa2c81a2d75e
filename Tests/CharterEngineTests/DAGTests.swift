import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

@testable import CharterEngine

@Suite(.timeLimit(.minutes(5))) struct DAGTests {
    @Test func aDiamondRunsInDependencyOrderAndPassesOutputs() async throws {
        let recorder = Recorder()
        let seen = Recorder()
        let executor = ScriptedExecutor(recorder) { context in
            if context.step.name == "d" {
                // Every ancestor, not only the direct needs: a template may read any of their outputs.
                #expect(context.upstream.keys.sorted() == ["a", "b", "c"])
                #expect(context.upstream["a"] == UpstreamResult(outcome: .succeeded, output: "out-a"))
                #expect(context.upstream["b"] == UpstreamResult(outcome: .succeeded, output: "out-b"))
                #expect(context.parameters["who"] == "test")
                #expect(context.idempotencyKey == "diamond/d/1")
                #expect(FileManager.default.fileExists(atPath: context.workspace.path))
                await seen.record(context, at: Date())
            }
            return .succeeded(output: "out-" + context.step.name)
        }
        let (engine, store) = try makeEngine(executors: ["noop": executor])
        try await engine.start()
        try await engine.submit(
            run(
                "diamond", [step("a"), step("b", needs: ["a"]), step("c", needs: ["a"]), step("d", needs: ["b", "c"])]))
        let record = try await engine.waitForCompletion(of: "diamond")
        #expect(record.state == .succeeded)
        let order = await recorder.order
        #expect(order.first == "diamond.a" && order.last == "diamond.d" && order.count == 4)
        #expect(await seen.calls.count == 1)
        let detail = try #require(try store.run("diamond"))
        #expect(detail.run.state == .succeeded && detail.run.finishedAt != nil)
        #expect(detail.steps.allSatisfy { $0.state == .succeeded && $0.attempt == 1 })
        #expect(detail[step: "d"].output == "out-d")
        #expect(try store.verifyChain(run: "diamond") == nil)
        let types = try store.events(run: "diamond").map(\.type)
        #expect(types.first == "run.created" && types[1] == "run.started" && types.last == "run.succeeded")
        #expect(types.filter { $0 == "step.started" }.count == 4)
        #expect(try store.events(run: "diamond", step: "b").map(\.type) == ["step.started", "step.succeeded"])
        // Each step event names its step in its own data: the published events file has no other column.
        for event in try store.events(run: "diamond") where event.type.hasPrefix("step.") {
            #expect(["a", "b", "c", "d"].contains(event.data["step"]?.string ?? ""), "\(event.value)")
        }
        #expect(try store.events(run: "diamond", step: "b").allSatisfy { $0.data["step"]?.string == "b" })
        #expect(await engine.activeRunCount == 0)
    }

    @Test func aFailureSkipsItsDependentsWhileIndependentBranchesGoOn() async throws {
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder) { context in
            switch context.step.name {
            case "a", "e": return .failed(reason: "exit 3", retryable: false)
            default: return .succeeded(output: context.step.name)
            }
        }
        let observed = Recorder()
        let checker = ScriptedExecutor(observed) { context in
            #expect(context.upstream["e"]?.outcome == .failed)
            #expect(context.upstream["e"]?.reason == "exit 3")
            return .succeeded(output: "f")
        }
        let (engine, store) = try makeEngine(executors: ["noop": executor, "check": checker])
        try await engine.start()
        try await engine.submit(
            run(
                "r",
                [
                    step("a"), step("b", needs: ["a"]), step("c", needs: ["b"]), step("d"),
                    step("e", continueOnFailure: true), step("f", "check", needs: ["e"]),
                ]))
        let record = try await engine.waitForCompletion(of: "r")
        #expect(record.state == .failed)
        #expect(record.error == "step a failed: exit 3")
        let detail = try #require(try store.run("r"))
        #expect(detail.steps.map(\.state) == [.failed, .skipped, .skipped, .succeeded, .failed, .succeeded])
        #expect(detail[step: "b"].reason == "needs a, which failed")
        #expect(detail[step: "c"].reason == "needs b, which was skipped")
        #expect(await recorder.count(run: "r", step: "b") == 0)
        #expect(await observed.calls.count == 1)
        #expect(try store.verifyChain(run: "r") == nil)
    }

    @Test func aContinueOnFailureStepLeavesTheRunSucceeded() async throws {
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder) { _ in .failed(reason: "flaky lint", retryable: false) }
        let (engine, _) = try makeEngine(executors: ["lint": executor, "noop": ScriptedExecutor(recorder)])
        try await engine.start()
        try await engine.submit(run("r", [step("lint", "lint", continueOnFailure: true), step("b", needs: ["lint"])]))
        #expect(try await engine.waitForCompletion(of: "r").state == .succeeded)
        #expect(await recorder.count(run: "r", step: "b") == 1)
    }

    @Test func whenConditionsSkipRunOrFail() async throws {
        let recorder = Recorder()
        let (engine, store) = try makeEngine(executors: ["noop": ScriptedExecutor(recorder)])
        try await engine.start()
        try await engine.submit(
            run(
                "r",
                [
                    step("skipped", when: "false"), step("after", needs: ["skipped"]),
                    step("guarded", needs: ["after"], when: "upstream-succeeded"), step("ran", when: "true"),
                ]))
        #expect(try await engine.waitForCompletion(of: "r").state == .succeeded)
        let detail = try #require(try store.run("r"))
        #expect(detail.steps.map(\.state) == [.skipped, .succeeded, .succeeded, .succeeded])
        #expect(detail[step: "skipped"].reason == "condition `false` is false")
        #expect(await recorder.count(run: "r", step: "skipped") == 0)

        try await engine.submit(run("bad", [step("x", when: "boom"), step("y", needs: ["x"])]))
        let bad = try await engine.waitForCompletion(of: "bad")
        #expect(bad.state == .failed)
        let badDetail = try #require(try store.run("bad"))
        #expect(badDetail[step: "x"].state == .failed)
        #expect(badDetail[step: "x"].reason == "when `boom`: cannot evaluate boom")
        #expect(badDetail[step: "y"].state == .skipped)
        #expect(await recorder.count(run: "bad", step: "x") == 0)
    }

    @Test func anUnknownStepTypeFailsWithoutRetry() async throws {
        let (engine, store) = try makeEngine(executors: [:])
        try await engine.start()
        try await engine.submit(run("r", [step("a", "nonesuch", retry: RetryPolicy(maxAttempts: 3))]))
        #expect(try await engine.waitForCompletion(of: "r").state == .failed)
        let a = try #require(try store.run("r"))[step: "a"]
        #expect(a.reason == "no executor for step type `nonesuch`" && a.attempt == 1)
    }

    @Test func artifactsAreStoredContentAddressed() async throws {
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder) { context in
            let file = context.workspace.appendingPathComponent("report.txt")
            try Data("report".utf8).write(to: file)
            return .succeeded(output: "ok", artifacts: ["inline": .data(Data("hello".utf8)), "report": .file(file)])
        }
        let (engine, store) = try makeEngine(executors: ["noop": executor])
        try await engine.start()
        try await engine.submit(run("r", [step("a")]))
        #expect(try await engine.waitForCompletion(of: "r").state == .succeeded)
        let a = try #require(try store.run("r"))[step: "a"]
        let inline = try #require(a.artifacts["inline"])
        #expect(inline.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(inline.size == 5)
        #expect(try Data(contentsOf: URL(fileURLWithPath: inline.path)) == Data("hello".utf8))
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: try #require(a.artifacts["report"]).path)) == Data("report".utf8))
    }
}
