import CharterFoundation
import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterEngine

/// Durations of centuries — from a repository before the schema bounded them, or stored in a run
/// by such a version — are waited for (clamped), never converted into an overflowing number.
// The limit guards against waiting for centuries; a full suite on 2 cores can take minutes.
@Suite(.timeLimit(.minutes(5))) struct HugeDurationTests {
    static let centuries = Int.max / 2

    @Test func aFarDeadlineIsSleptTowardAndCancelled() async {
        let sleeper = Task { try await SystemWallClock().sleep(until: .distantFuture) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    @Test func backoffIsAtMostADayWhateverThePolicy() {
        let policy = RetryPolicy(
            maxAttempts: 100, initialBackoffMilliseconds: Self.centuries, multiplier: 10,
            maxBackoffMilliseconds: Self.centuries)
        for attempt in [1, 2, 50, 99] {
            #expect(Backoff.delayMilliseconds(after: attempt, policy: policy, key: "k") == 86_400_000)
        }
        var jittered = policy
        jittered.jitter = true
        #expect(Backoff.delayMilliseconds(after: 3, policy: jittered, key: "k") <= 86_400_000)
    }

    @Test func aRunWithCenturiesOfTimeoutAndBackoffRunsAndResumes() async throws {
        let directory = makeTemporaryDirectory("engine")
        let recorder = Recorder()
        let failing = ScriptedExecutor(recorder) { _ in .failed(reason: "nope") }
        let policy = RetryPolicy(
            maxAttempts: 3, initialBackoffMilliseconds: Self.centuries, multiplier: 10,
            maxBackoffMilliseconds: Self.centuries)
        let first = try makeEngine(directory, executors: ["noop": failing])
        try await first.engine.start()
        let before = Date()
        try await first.engine.submit(run("r", [step("a", timeout: Self.centuries, retry: policy)]))
        let detail = try await first.engine.waitFor(run: "r") { $0[step: "a"].state == .retrying }
        let due = try #require(detail[step: "a"].nextAttemptAt)
        #expect(due <= before.addingTimeInterval(86_400 + 60))
        await first.engine.halt()

        // A restart finds the stored run with its stored numbers and waits for the retry again.
        let second = try makeEngine(directory, executors: ["noop": failing])
        try await second.engine.start()
        let resumed = try await second.engine.waitFor(run: "r") { $0[step: "a"].state == .retrying }
        let stored = try #require(resumed[step: "a"].nextAttemptAt)
        #expect(abs(stored.timeIntervalSince(due)) < 0.001)
        await second.engine.halt()
        #expect(await recorder.calls.count == 1)
    }

    /// A version before the bound stored a retry 586 years ahead (and then trapped): the run
    /// resumes and retries within the bound instead of waiting for centuries.
    @Test func aRetryStoredCenturiesAheadWaitsAtMostTheBound() async throws {
        let directory = makeTemporaryDirectory("engine")
        let clock = ManualClock()
        let recorder = Recorder()
        let failOnce = ScriptedExecutor(recorder, clock: clock) { context in
            context.attempt == 1 ? .failed(reason: "once") : .succeeded(output: "done")
        }
        let policy = RetryPolicy(maxAttempts: 2, initialBackoffMilliseconds: 1000)
        let first = try makeEngine(directory, executors: ["noop": failOnce], clock: clock)
        try await first.engine.start()
        try await first.engine.submit(run("r", [step("a", retry: policy)]))
        _ = try await first.engine.waitFor(run: "r") { $0[step: "a"].state == .retrying }
        await first.engine.halt()
        let centuries = clock.now.addingTimeInterval(214_000 * 86_400).timeIntervalSince1970
        let database = directory.appendingPathComponent(RunStore.fileName).path
        // On a thread of its own: a blocking wait on a cooperative thread starves the pool in a full run.
        let update = try await onOwnThread {
            try ProcessRunner.run(
                URL(fileURLWithPath: "/usr/bin/sqlite3"),
                [database, "UPDATE step SET next_attempt_at = \(centuries) WHERE name = 'a'"])
        }
        try #require(update.status == 0, "\(update.stderr)")

        let second = try makeEngine(directory, executors: ["noop": failOnce], clock: clock)
        try await second.engine.start()
        let bound = clock.now.addingTimeInterval(86_400)
        await clock.waitForSleepers { $0.contains(bound) }
        clock.advance(by: 86_400)
        #expect(try await second.engine.waitForCompletion(of: "r").state == .succeeded)
        await second.engine.halt()
    }
}
