import CharterMetrics
import CharterTestSupport
import Foundation
import MetricsTestKit
import Testing

@testable import CharterEngine

/// What the engine counts and times as runs and steps finish, on a clock the test moves: the
/// durations are exactly what the clock says, not what the machine took.
@Suite(.timeLimit(.minutes(5))) struct EngineMetricsTests {
    @Test func finishedRunsAndStepsAreCountedByStateAndTimedOnTheEngineClock() async throws {
        let clock = ManualClock()
        let factory = TestMetrics()
        let executor = ScriptedExecutor(Recorder(), clock: clock) { context in
            // Each attempt takes 30 s of the engine's clock; `bad` fails.
            clock.advance(by: 30)
            if context.step.name == "bad" { return .failed(reason: "no") }
            return .succeeded(output: "")
        }
        let (engine, _) = try makeEngine(
            executors: ["noop": executor], clock: clock, metrics: CharterMetrics(factory: factory))
        try await engine.start()
        try await engine.submit(run("ok", [step("a"), step("b", needs: ["a"])]))
        _ = try await engine.waitForCompletion(of: "ok")
        try await engine.submit(run("ko", [step("bad"), step("after", needs: ["bad"])]))
        _ = try await engine.waitForCompletion(of: "ko")

        #expect(factory.counterTotal(label: MetricName.runsFinished, dimensions: [("state", "succeeded")]) == 1)
        #expect(factory.counterTotal(label: MetricName.runsFinished, dimensions: [("state", "failed")]) == 1)
        let steps = { (state: String) in
            factory.counterTotal(label: MetricName.stepsFinished, dimensions: [("type", "noop"), ("state", state)])
        }
        #expect(steps("succeeded") == 2)
        #expect(steps("failed") == 1)
        #expect(steps("skipped") == 1)
        let stepTimes = factory.timers(
            label: MetricName.stepDuration, dimensions: [("type", "noop"), ("state", "succeeded")])
        #expect(stepTimes.flatMap(\.values) == [30_000_000_000, 30_000_000_000])
        // The skipped step never started: counted, not timed.
        #expect(
            factory.timers(label: MetricName.stepDuration, dimensions: [("type", "noop"), ("state", "skipped")]).isEmpty
        )
        let runTimes = factory.timers(label: MetricName.runDuration, dimensions: [("state", "succeeded")])
        #expect(runTimes.flatMap(\.values) == [60_000_000_000])

        let load = await engine.load()
        #expect(load == EngineLoad(readySteps: 0, runningSteps: 0, activeRuns: 0))
        await engine.halt()
    }
}
