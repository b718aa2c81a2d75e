import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterEngine

@Suite(.timeLimit(.minutes(5))) struct RetryTests {
    @Test func backoffGrowsByTheMultiplierUpToTheCap() async throws {
        let clock = ManualClock()
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder, clock: clock) { context in
            context.attempt < 4 ? .failed(reason: "attempt \(context.attempt) failed") : .succeeded(output: "done")
        }
        let (engine, store) = try makeEngine(executors: ["noop": executor], clock: clock)
        let policy = RetryPolicy(
            maxAttempts: 4, initialBackoffMilliseconds: 1000, multiplier: 2, maxBackoffMilliseconds: 3000)
        let t0 = clock.now
        try await engine.start()
        try await engine.submit(run("r", [step("flaky", retry: policy)]))
        for (attempt, wait) in [(1, 1.0), (2, 2.0), (3, 3.0)] {
            let detail = try await engine.waitFor(run: "r") {
                $0[step: "flaky"].state == .retrying && $0[step: "flaky"].attempt == attempt
            }
            let due = clock.now.addingTimeInterval(wait)
            #expect(detail[step: "flaky"].nextAttemptAt == due)
            #expect(detail[step: "flaky"].reason == "attempt \(attempt) failed")
            #expect(try store.run("r")?[step: "flaky"].nextAttemptAt == due)
            await clock.waitForSleepers { $0 == [due] }
            clock.advance(by: wait - 0.001)
            #expect(clock.pendingDeadlines == [due])
            clock.advance(by: 0.001)
        }
        #expect(try await engine.waitForCompletion(of: "r").state == .succeeded)
        let times = await recorder.calls.map { $0.time.timeIntervalSince(t0) }
        #expect(times == [0, 1, 3, 6])
        #expect(await recorder.calls.map(\.attempt) == [1, 2, 3, 4])
        let delays = try store.events(run: "r", step: "flaky").filter { $0.type == "step.retrying" }.map {
            $0.data["delayMs"]?.int
        }
        #expect(delays == [1000, 2000, 3000])
    }

    @Test func anAttemptThatExhaustsThePolicyFailsTheStep() async throws {
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder) { _ in .failed(reason: "nope") }
        let (engine, store) = try makeEngine(executors: ["noop": executor])
        try await engine.start()
        try await engine.submit(
            run(
                "r",
                [step("a", retry: RetryPolicy(maxAttempts: 3, initialBackoffMilliseconds: 0)), step("b", needs: ["a"])])
        )
        #expect(try await engine.waitForCompletion(of: "r").state == .failed)
        let a = try #require(try store.run("r"))[step: "a"]
        #expect(a.state == .failed && a.attempt == 3 && a.reason == "nope")
        #expect(await recorder.calls.map(\.attempt) == [1, 2, 3])
        #expect(await recorder.count(run: "r", step: "b") == 0)
    }

    @Test func nonRetryableFailuresAreNotRetried() async throws {
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder) { _ in .failed(reason: "bad config", retryable: false) }
        let (engine, _) = try makeEngine(executors: ["noop": executor])
        try await engine.start()
        try await engine.submit(
            run("r", [step("a", retry: RetryPolicy(maxAttempts: 5, initialBackoffMilliseconds: 0))]))
        #expect(try await engine.waitForCompletion(of: "r").state == .failed)
        #expect(await recorder.calls.count == 1)
    }

    @Test func fullJitterStaysWithinTheCappedBackoffAndIsReproducible() {
        let policy = RetryPolicy(
            maxAttempts: 10, initialBackoffMilliseconds: 1000, multiplier: 2, maxBackoffMilliseconds: 3000, jitter: true
        )
        var values: [Int] = []
        for i in 0..<500 {
            let key = "run-\(i)/step/3"
            let d = Backoff.delayMilliseconds(after: 3, policy: policy, key: key)
            #expect((0...3000).contains(d))
            #expect(d == Backoff.delayMilliseconds(after: 3, policy: policy, key: key))
            values.append(d)
        }
        #expect(Set(values).count > 400)
        let mean = Double(values.reduce(0, +)) / Double(values.count)
        #expect((1300...1700).contains(mean))
        for i in 0..<100 {
            #expect((0...1000).contains(Backoff.delayMilliseconds(after: 1, policy: policy, key: "k\(i)")))
        }
    }

    @Test func backoffWithoutJitterIsExactAndCapped() {
        let policy = RetryPolicy(
            maxAttempts: 100, initialBackoffMilliseconds: 200, multiplier: 10, maxBackoffMilliseconds: 5000)
        let delays = (1...5).map { Backoff.delayMilliseconds(after: $0, policy: policy, key: "k") }
        #expect(delays == [200, 2000, 5000, 5000, 5000])
        #expect(Backoff.delayMilliseconds(after: 5000, policy: policy, key: "k") == 5000)
    }

    @Test func theEngineWaitsTheJitteredDelayOfTheAttemptsKey() async throws {
        let clock = ManualClock()
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder, clock: clock) { context in
            context.attempt == 1 ? .failed(reason: "once") : .succeeded(output: "ok")
        }
        let (engine, _) = try makeEngine(executors: ["noop": executor], clock: clock)
        let policy = RetryPolicy(
            maxAttempts: 2, initialBackoffMilliseconds: 10_000, multiplier: 2, maxBackoffMilliseconds: 60_000,
            jitter: true)
        try await engine.start()
        try await engine.submit(run("jittery", [step("s", retry: policy)]))
        let detail = try await engine.waitFor(run: "jittery") { $0[step: "s"].state == .retrying }
        let expected = Backoff.delayMilliseconds(after: 1, policy: policy, key: "jittery/s/1")
        #expect(expected < 10_000)
        let due = clock.now.addingTimeInterval(Double(expected) / 1000)
        #expect(detail[step: "s"].nextAttemptAt == due)
        await clock.waitForSleepers { $0 == [due] }
        clock.advance(to: due)
        #expect(try await engine.waitForCompletion(of: "jittery").state == .succeeded)
    }

    @Test func aTimedOutAttemptIsCancelledAndRetried() async throws {
        let clock = ManualClock()
        let recorder = Recorder()
        let executor = ScriptedExecutor(recorder, clock: clock) { _ in
            try await blockUntilCancelled()
            return .succeeded(output: "never")
        }
        let (engine, store) = try makeEngine(executors: ["noop": executor], clock: clock)
        let t0 = clock.now
        try await engine.start()
        let policy = RetryPolicy(maxAttempts: 2, initialBackoffMilliseconds: 1000)
        try await engine.submit(
            run("r", [step("slow", timeout: 10_000, retry: policy), step("after", needs: ["slow"])]))
        await clock.waitForSleepers { $0 == [t0.addingTimeInterval(10)] }
        clock.advance(by: 10)
        let retrying = try await engine.waitFor(run: "r") { $0[step: "slow"].state == .retrying }
        #expect(retrying[step: "slow"].reason == "timed out after 10000 ms")
        #expect(retrying[step: "slow"].nextAttemptAt == t0.addingTimeInterval(11))
        #expect(await recorder.cancellations == ["r/slow/1"])
        await clock.waitForSleepers { $0 == [t0.addingTimeInterval(11)] }
        clock.advance(by: 1)
        await clock.waitForSleepers { $0 == [t0.addingTimeInterval(21)] }
        clock.advance(by: 10)
        #expect(try await engine.waitForCompletion(of: "r").state == .failed)
        let detail = try #require(try store.run("r"))
        #expect(detail[step: "slow"].state == .failed && detail[step: "slow"].attempt == 2)
        #expect(detail[step: "slow"].reason == "timed out after 10000 ms")
        #expect(detail[step: "after"].state == .skipped)
        #expect(await recorder.calls.map { $0.time.timeIntervalSince(t0) } == [0, 11])
        #expect(await recorder.cancellations == ["r/slow/1", "r/slow/2"])
    }

    @Test func anAttemptFinishingInTimeIsNotTimedOutWhenItsDeadlinePasses() async throws {
        let clock = ManualClock()
        let recorder = Recorder()
        let (engine, store) = try makeEngine(
            executors: ["noop": ScriptedExecutor(recorder, clock: clock)], clock: clock)
        let t0 = clock.now
        try await engine.start()
        try await engine.submit(
            run("r", [step("quick", timeout: 5000), step("next", needs: ["quick"], timeout: 5000)]))
        #expect(try await engine.waitForCompletion(of: "r").state == .succeeded)
        // The engine's single deadline timer still waits for the first deadline; it finds nothing to do.
        #expect(clock.pendingDeadlines == [t0.addingTimeInterval(5)])
        clock.advance(by: 5)
        await clock.waitForSleepers { $0.isEmpty }
        let detail = try #require(try store.run("r"))
        #expect(detail.steps.allSatisfy { $0.state == .succeeded && $0.attempt == 1 })
        #expect(await recorder.calls.count == 2)
    }
}
