import CharterFoundation
import CharterMetrics
import CharterModel
import CharterTestSupport
import Foundation

@testable import CharterEngine

/// Everything executors saw, across engines: which attempts ran, in what order, at what time.
actor Recorder {
    struct Call: Sendable, Hashable {
        var run: String
        var step: String
        var attempt: Int
        var time: Date
    }
    private(set) var calls: [Call] = []
    private(set) var cancellations: [String] = []
    private var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func record(_ context: StepContext, at time: Date) {
        calls.append(Call(run: context.runID, step: context.step.name, attempt: context.attempt, time: time))
        let ready = watchers.filter { $0.count <= calls.count }
        watchers.removeAll { $0.count <= calls.count }
        for w in ready { w.continuation.resume() }
    }

    func recordCancellation(_ context: StepContext) { cancellations.append(context.idempotencyKey) }

    /// Returns once at least `count` calls were recorded.
    func waitForCalls(_ count: Int) async {
        if calls.count >= count { return }
        await withCheckedContinuation { watchers.append((count, $0)) }
    }

    func count(run: String, step: String) -> Int { calls.filter { $0.run == run && $0.step == step }.count }
    var order: [String] { calls.map { "\($0.run).\($0.step)" } }
}

/// An executor defined by a closure, recording every call first.
struct ScriptedExecutor: StepExecutor {
    let recorder: Recorder
    let clock: any WallClock
    let body: @Sendable (StepContext) async throws -> StepResult

    init(
        _ recorder: Recorder, clock: any WallClock = SystemWallClock(),
        _ body: @escaping @Sendable (StepContext) async throws -> StepResult = { .succeeded(output: $0.step.name) }
    ) {
        self.recorder = recorder
        self.clock = clock
        self.body = body
    }

    func execute(_ context: StepContext) async throws -> StepResult {
        await recorder.record(context, at: clock.now)
        do {
            return try await body(context)
        } catch is CancellationError {
            await recorder.recordCancellation(context)
            throw CancellationError()
        }
    }
}

/// Suspends the calling task until it is cancelled, then throws `CancellationError`: an attempt
/// that never finishes on its own, as a hung process would.
func blockUntilCancelled() async throws {
    let box = ContinuationBox()
    await withTaskCancellationHandler {
        await withCheckedContinuation { box.set($0) }
    } onCancel: {
        box.resume()
    }
    throw CancellationError()
}

/// A continuation resumed exactly once, whichever of `set` and `resume` comes second.
final class ContinuationBox: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var resumed = false

    func set(_ c: CheckedContinuation<Void, Never>) {
        let now = lock.withLock {
            if resumed { return true }
            continuation = c
            return false
        }
        if now { c.resume() }
    }

    func resume() {
        let c = lock.withLock {
            resumed = true
            defer { continuation = nil }
            return continuation
        }
        c?.resume()
    }
}

/// Executors that enter a shared gate and wait there until the test releases them, so that the
/// test sees exactly which steps run at the same time.
actor Gate {
    private(set) var active = 0
    private(set) var maxActive = 0
    private(set) var maxActivePerRun: [String: Int] = [:]
    private(set) var entered: [String] = []
    private var activePerRun: [String: Int] = [:]
    private var blocked: [CheckedContinuation<Void, Never>] = []
    private var open = false
    private var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func enter(run: String, step: String) async {
        active += 1
        maxActive = max(maxActive, active)
        activePerRun[run, default: 0] += 1
        maxActivePerRun[run] = max(maxActivePerRun[run] ?? 0, activePerRun[run]!)
        entered.append("\(run).\(step)")
        if open {
            await Task.yield()
        } else {
            await withCheckedContinuation { c in
                blocked.append(c)
                let ready = watchers.filter { $0.count <= blocked.count }
                watchers.removeAll { $0.count <= blocked.count }
                for w in ready { w.continuation.resume() }
            }
        }
        active -= 1
        activePerRun[run]! -= 1
    }

    /// Returns once `count` executors wait in the gate.
    func waitForBlocked(_ count: Int) async {
        if blocked.count >= count { return }
        await withCheckedContinuation { watchers.append((count, $0)) }
    }

    /// Lets every waiting executor go, and every later one pass straight through.
    func openAll() {
        open = true
        let all = blocked
        blocked = []
        for c in all { c.resume() }
    }
}

/// A gate for `when` conditions: `false` skips, `boom` throws, anything else runs.
struct LiteralGate: StepGate {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "cannot evaluate boom" }
    }

    func evaluate(
        _ condition: String, step: StepSpec, upstream: [String: UpstreamResult], parameters: [String: Value]
    ) throws -> GateDecision {
        switch condition {
        case "false": return .skip
        case "boom": throw Failure()
        case "upstream-succeeded":
            return step.needs.allSatisfy { upstream[$0]?.outcome == .succeeded } ? .run : .skip
        default: return .run
        }
    }
}

func step(
    _ name: String, _ type: String = "noop", needs: [String] = [], timeout: Int? = nil,
    retry: RetryPolicy = RetryPolicy(maxAttempts: 1), continueOnFailure: Bool = false, when: String? = nil
) -> StepSpec {
    StepSpec(
        name: name, type: type, needs: needs, timeoutMilliseconds: timeout, retry: retry,
        continueOnFailure: continueOnFailure, when: when)
}

func run(_ id: String, priority: Int = 0, _ steps: [StepSpec]) -> RunSpec {
    RunSpec(id: id, template: "t", routine: "r", parameters: ["who": "test"], priority: priority, steps: steps)
}

/// The run's step with this name.
extension RunDetail {
    subscript(step name: String) -> StepRecord { steps.first { $0.name == name }! }
}

/// An engine on a fresh (or the given) data directory.
func makeEngine(
    _ directory: URL = makeTemporaryDirectory("engine"), executors: [String: any StepExecutor],
    clock: any WallClock = SystemWallClock(), gate: any StepGate = LiteralGate(), global: Int = 8, perRun: Int = 8,
    metrics: CharterMetrics = .global
) throws -> (engine: WorkflowEngine, store: RunStore) {
    let store = try RunStore(directory: directory)
    let engine = WorkflowEngine(
        store: store, executors: executors, gate: gate, clock: clock,
        configuration: EngineConfiguration(
            maxConcurrentSteps: global, maxConcurrentStepsPerRun: perRun, metrics: metrics))
    return (engine, store)
}
