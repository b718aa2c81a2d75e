import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

@testable import CharterEngine

@Suite struct RunStoreTests {
    @Test func creatingARunTwiceReturnsTheFirst() throws {
        let store = try RunStore(directory: makeTemporaryDirectory("runs"))
        let spec = run("tick-1", [step("a"), step("b", needs: ["a"])])
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try store.createRun(spec, at: time)
        var changed = spec
        changed.template = "other"
        let second = try store.createRun(changed, at: time.addingTimeInterval(60))
        #expect(first.created && !second.created)
        #expect(second.run == first.run)
        #expect(second.run.template == "t")
        #expect(try store.runs().count == 1)
        #expect(try store.events(run: "tick-1").map(\.type) == ["run.created"])
        let detail = try #require(try store.run("tick-1"))
        #expect(detail.steps.map(\.name) == ["a", "b"])
        #expect(detail.steps.allSatisfy { $0.state == .pending && $0.attempt == 0 })
        #expect(detail.steps[1].spec.needs == ["a"])
    }

    @Test func invalidSpecsAreRefusedWithTheirProblem() throws {
        let store = try RunStore(directory: makeTemporaryDirectory("runs"))
        let cases: [(RunSpec, String)] = [
            (run("r1", [step("a", needs: ["b"]), step("b", needs: ["a"])]), "cycle"),
            (run("r2", [step("a"), step("a")]), "declared twice"),
            (run("r3", [step("a", needs: ["x"])]), "unknown step `x`"),
            (run("../evil", [step("a")]), "run id"),
            (run("r4", [step("a b")]), "step name"),
        ]
        for (spec, problem) in cases {
            let error = #expect(throws: RunStoreError.self) { try store.createRun(spec, at: Date()) }
            #expect(error?.message.contains(problem) == true, "\(String(describing: error))")
        }
        #expect(try store.runs().isEmpty)
    }

    @Test func specsSurviveTheRoundTrip() throws {
        let store = try RunStore(directory: makeTemporaryDirectory("runs"))
        let original = StepSpec(
            name: "review", type: "agent", needs: [], timeoutMilliseconds: 90_000,
            retry: RetryPolicy(
                maxAttempts: 3, initialBackoffMilliseconds: 500, multiplier: 1.5, maxBackoffMilliseconds: 4000,
                jitter: true), continueOnFailure: true, when: "params.x == 1",
            payload: ["role": "reviewer", "prompt": "Review it"])
        try store.createRun(RunSpec(id: "r", template: "t", steps: [original]), at: Date())
        #expect(try store.run("r")?.steps[0].spec == original)
    }

    @Test func listsFilterByRoutineAndState() throws {
        let store = try RunStore(directory: makeTemporaryDirectory("runs"))
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        try store.createRun(RunSpec(id: "a1", template: "t", routine: "alpha", steps: [step("s")]), at: time)
        try store.createRun(RunSpec(id: "b1", template: "t", routine: "beta", steps: [step("s")]), at: time)
        try store.createRun(RunSpec(id: "a2", template: "t", routine: "alpha", steps: [step("s")]), at: time)
        #expect(try store.runs().map(\.id) == ["a2", "b1", "a1"])
        #expect(try store.runs(routine: "alpha").map(\.id) == ["a2", "a1"])
        #expect(try store.runs(states: [.pending], limit: 2).map(\.id) == ["a2", "b1"])
        #expect(try store.runs(states: [.succeeded]).isEmpty)
        #expect(try store.run("nope") == nil)
    }

    @Test func cancelRequestsOnlyReachUnfinishedRuns() throws {
        let store = try RunStore(directory: makeTemporaryDirectory("runs"))
        try store.createRun(run("r", [step("a")]), at: Date())
        #expect(try store.requestCancel(run: "r"))
        #expect(try store.run("r")?.run.cancelRequested == true)
        #expect(try !store.requestCancel(run: "missing"))
    }

    @Test func tamperedEventsFailVerification() throws {
        let store = try RunStore(directory: makeTemporaryDirectory("runs"))
        try store.createRun(run("r", [step("a")]), at: Date(timeIntervalSince1970: 1_800_000_000))
        var events = try store.events(run: "r")
        let appended = Event.chained(
            sequence: 2, type: "step.started", time: Date(timeIntervalSince1970: 1_800_000_001), actor: "x",
            data: ["attempt": 1], previousHash: events[0].hash)
        events.append(appended)
        #expect(RunChain.problem(in: events) == nil)
        var edited = events
        edited[1].data = ["attempt": 2]
        #expect(RunChain.problem(in: edited)?.contains("does not match its hash") == true)
        var gap = events
        gap[1].sequence = 3
        #expect(RunChain.problem(in: gap)?.contains("sequence number") == true)
        #expect(RunChain.problem(in: Array(events.dropFirst()))?.contains("sequence number") == true)
    }
}

/// The dashboard's "failing routines": each routine's newest finished run decides, runs still
/// going and runs of no routine do not count.
@Suite(.timeLimit(.minutes(5))) struct LatestFinishedPerRoutineTests {
    @Test func eachRoutinesNewestFinishedRunDecides() async throws {
        let executor = ScriptedExecutor(Recorder()) { context in
            context.runID.hasSuffix("-ko") ? .failed(reason: "no") : .succeeded(output: "")
        }
        let (engine, store) = try makeEngine(executors: ["noop": executor])
        try await engine.start()
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        for (id, routine) in [
            ("alpha-1-ok", "alpha"), ("beta-1-ko", "beta"), ("alpha-2-ko", "alpha"), ("beta-2-ok", "beta"),
            ("adhoc-ko", nil),
        ] as [(String, String?)] {
            try await engine.submit(RunSpec(id: id, template: "t", routine: routine, steps: [step("s")]))
            _ = try await engine.waitForCompletion(of: id)
        }
        await engine.halt()
        // Created but never run: pending, so not finished.
        try store.createRun(RunSpec(id: "gamma-1", template: "t", routine: "gamma", steps: [step("s")]), at: time)
        try store.createRun(RunSpec(id: "alpha-3", template: "t", routine: "alpha", steps: [step("s")]), at: time)

        let latest = try store.latestFinishedPerRoutine()
        #expect(latest.map(\.id) == ["beta-2-ok", "alpha-2-ko"])
        #expect(latest.map(\.state) == [.succeeded, .failed])
    }
}
