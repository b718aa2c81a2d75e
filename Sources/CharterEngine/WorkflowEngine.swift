import CharterFoundation
import CharterMetrics
import CharterModel
import Foundation

/// Limits and names of a ``WorkflowEngine``.
public struct EngineConfiguration: Sendable {
    /// Steps executing at once across all runs.
    public var maxConcurrentSteps: Int
    /// Steps of one run executing at once.
    public var maxConcurrentStepsPerRun: Int
    /// The actor recorded on the engine's own events.
    public var actor: String
    /// Runs held in memory at once; more pending runs wait in the store and are admitted by priority,
    /// then age, as runs finish. Bounds memory however large the backlog.
    public var maxActiveRuns: Int
    /// Step types whose executors continue from their ``StepJournal``: an attempt interrupted by
    /// a stop is launched again as the same attempt (not counted as failed), and a resolved wait
    /// launches the step again to read the decision, instead of finishing it.
    public var resumableStepTypes: Set<String>
    /// Where finished runs and steps are counted and timed.
    public var metrics: CharterMetrics

    /// A configuration; the defaults suit a controller on a small machine.
    public init(
        maxConcurrentSteps: Int = 64, maxConcurrentStepsPerRun: Int = 16, maxActiveRuns: Int = 1024,
        actor: String = "charter", resumableStepTypes: Set<String> = [], metrics: CharterMetrics = .global
    ) {
        self.metrics = metrics
        self.resumableStepTypes = resumableStepTypes
        self.maxConcurrentSteps = max(1, maxConcurrentSteps)
        self.maxConcurrentStepsPerRun = max(1, maxConcurrentStepsPerRun)
        self.maxActiveRuns = max(1, maxActiveRuns)
        self.actor = actor
    }
}

/// The durable workflow engine: runs DAGs of steps with bounded parallelism, retries, timeouts,
/// conditions, approvals and cancellation, recording every transition in the ``RunStore`` before
/// acting on it, so that a new engine on the same files resumes where a crashed one stopped.
///
/// See docs/ENGINE.md for the states, the ready order and the durability rule.
public actor WorkflowEngine {
    let store: RunStore
    let executors: [String: any StepExecutor]
    let gate: any StepGate
    let clock: any WallClock
    let configuration: EngineConfiguration

    var runs: [String: ActiveRun] = [:]
    var runsByKey: [RunKey: ActiveRun] = [:]
    /// Runs that may have ready steps, in ready order.
    var readyRuns = MinHeap<RunKey>()
    var running = 0
    /// Transitions not yet written, and what may happen only once they are.
    var batch = JournalBatch()
    var effects = Effects()
    /// The last event hash of each run held.
    var heads: ChainHeads = [:]
    var flushing = false
    /// Deadlines of running attempts and the one timer that waits for the earliest.
    var deadlines = MinHeap<Deadline>()
    var liveDeadlines = 0
    var deadlineTimer: Task<Void, Never>?
    var timerDeadline: Date?
    var timerGeneration = 0
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    var started = false
    var lock: EngineLock?
    /// Pending runs may wait in the store for a place among the runs held in memory.
    var backlogged = false
    var backlogGeneration = 0
    var admitting = false
    /// Set by ``drain()``: no new attempt starts.
    var draining = false
    var halted = false
    /// Why the engine stopped on its own: the store failed, so nothing more can be recorded.
    public private(set) var failure: RunStoreError?
    var completionWaiters: [String: [CheckedContinuation<RunRecord, any Error>]] = [:]
    var conditionWaiters:
        [String: [(condition: @Sendable (RunDetail) -> Bool, continuation: CheckedContinuation<RunDetail, any Error>)]] =
            [:]

    /// An engine over `store`; `executors` by step type. Nothing runs before ``start()``.
    public init(
        store: RunStore, executors: [String: any StepExecutor], gate: any StepGate = AlwaysRunGate(),
        clock: any WallClock = SystemWallClock(), configuration: EngineConfiguration = EngineConfiguration()
    ) {
        self.store = store
        self.executors = executors
        self.gate = gate
        self.clock = clock
        self.configuration = configuration
    }

    /// What the engine holds now: ready steps waiting for a slot (the queue depth), executing
    /// steps and runs in memory. `/metrics` reads it at each scrape.
    public func load() -> EngineLoad {
        EngineLoad(
            readySteps: runs.values.reduce(0) { $0 + $1.ready.count }, runningSteps: running, activeRuns: runs.count)
    }

    /// Takes the data directory (one engine at a time: a second one fails here) and resumes every
    /// unfinished run: finished steps stay finished, a step recorded as running (its attempt was in
    /// flight when the last engine stopped) counts that attempt as failed and is retried under its
    /// policy, retries wait for their recorded time, approvals keep waiting, pending runs start.
    public func start() async throws(RunStoreError) {
        guard !started, !halted else { return }
        lock = try EngineLock(directory: store.directory)
        started = true
        let loaded = try await offActor { store in try store.loadRunning() }
        for l in loaded where runs[l.detail.run.id] == nil { adopt(l) }
        markBacklogged()
        try await admit()
        pump()
        flush()
    }

    /// Creates the run (idempotent on its id: an existing run is returned unchanged) and, once the
    /// engine is started, schedules it. Returns after the run is committed.
    @discardableResult
    public func submit(_ spec: RunSpec) async throws(RunStoreError) -> RunRecord {
        try await submit([spec])[0]
    }

    /// ``submit(_:)`` for many runs in one transaction.
    @discardableResult
    public func submit(_ specs: [RunSpec]) async throws(RunStoreError) -> [RunRecord] {
        let time = clock.now
        let actor = configuration.actor
        let created = try await offActor { store in try store.createRuns(specs, at: time, actor: actor) }
        if started && !halted {
            for (record, _) in created where !record.state.isTerminal && runs[record.id] == nil {
                // Beyond the limit of runs in memory, runs wait in the store and are admitted later.
                if runs.count < configuration.maxActiveRuns {
                    try await load(record.id)
                } else {
                    markBacklogged()
                }
            }
            pump()
            flush()
        }
        return created.map(\.run)
    }

    /// Cancels a run: its waiting and pending steps are cancelled at once, its running steps' tasks
    /// are cancelled once the request is committed, and the run ends `cancelled` when they are back.
    /// Returns false when the run is unknown or already over.
    @discardableResult
    public func cancel(run id: String, by actor: String? = nil) async throws -> Bool {
        guard let run = runs[id] else {
            // Not held (yet): the store carries the request to whichever engine loads the run.
            let requested = try store.requestCancel(run: id)
            if requested && started && !halted { try await poll() }
            return requested
        }
        guard !run.finishing, !run.record.cancelRequested else { return !run.finishing }
        requestCancel(run, by: actor ?? configuration.actor)
        try await acknowledged()
        return true
    }

    /// Ends a step that waits for an approval: approved → succeeded (`detail` is its output),
    /// rejected → failed (`detail` in the reason; the policy's retries do not apply). Returns after
    /// the decision is committed; dependents then proceed.
    public func resolve(
        run id: String, step name: String, approved: Bool, detail: String? = nil, by actor: String? = nil
    )
        async throws
    {
        guard let run = runs[id] else { throw EngineError("run \(id) is not active in this engine") }
        guard let i = run.index[name] else { throw EngineError("run \(id) has no step \(name)") }
        guard run.steps[i].state == .waiting else {
            throw EngineError("step \(name) of run \(id) is \(run.steps[i].state.rawValue), not waiting")
        }
        let by = actor ?? configuration.actor
        var data: [String: Value] = ["approved": .bool(approved)]
        if let detail { data["detail"] = .string(detail) }
        if configuration.resumableStepTypes.contains(run.steps[i].spec.type) {
            // The executor reads the decision from its journal and goes on.
            event(run, "step.resolved", step: i, actor: by, data: .object(data))
            relaunch(run, i)
        } else if approved {
            finish(
                run, i, .succeeded, output: detail ?? "approved", reason: nil, event: "step.succeeded", actor: by,
                data: .object(data))
        } else {
            let reason = "rejected" + (detail.map { ": \($0)" } ?? "")
            finish(run, i, .failed, output: nil, reason: reason, event: "step.failed", actor: by, data: .object(data))
        }
        pump()
        try await acknowledged()
    }

    /// Picks up what other processes wrote into the store: cancellation requests
    /// (``RunStore/requestCancel(run:)``) and runs they created. The controller calls this on each tick.
    public func poll() async throws(RunStoreError) {
        guard started, !halted else { return }
        let requests = try await offActor { store in try store.cancelRequests() }
        for id in requests {
            if runs[id] == nil { try await load(id) }
            if let run = runs[id], !run.record.cancelRequested, !run.finishing {
                requestCancel(run, by: configuration.actor)
            }
        }
        markBacklogged()
        try await admit()
        pump()
        flush()
    }

    /// Pending runs may be in the store that are not held: admit them when there is room.
    func markBacklogged() {
        backlogged = true
        backlogGeneration += 1
    }

    /// Loads pending runs from the store, by priority then age, while fewer than `maxActiveRuns`
    /// are held; one admission at a time.
    func admit() async throws(RunStoreError) {
        guard !admitting else { return }
        admitting = true
        defer { admitting = false }
        while started, !halted, backlogged, runs.count < configuration.maxActiveRuns {
            let capacity = configuration.maxActiveRuns - runs.count
            // Runs just adopted stay `pending` in the store until their start commits: ask for enough
            // rows to see past them.
            let limit = capacity + runs.count
            let generation = backlogGeneration
            let ids = try await offActor { store in try store.pendingRunIDs(limit: limit) }
            let fresh = ids.filter { runs[$0] == nil }.prefix(capacity)
            if fresh.isEmpty {
                // Unless a run was submitted while the store was read.
                if ids.count < limit && generation == backlogGeneration { backlogged = false }
                break
            }
            for id in fresh { try await load(id) }
            pump()
            flush()
        }
    }

    /// Runs a store operation off the actor, so that a read or write never blocks scheduling.
    func offActor<T: Sendable>(_ body: @escaping @Sendable (RunStore) throws -> T) async throws(RunStoreError) -> T {
        let store = self.store
        let result = await Task.detached { () -> Result<T, RunStoreError> in
            do {
                return .success(try body(store))
            } catch {
                return .failure(RunStoreError("read or write runs", path: store.path, error))
            }
        }.value
        return try result.get()
    }

    /// Returns the run once it is over.
    public func waitForCompletion(of id: String) async throws -> RunRecord {
        if runs[id] == nil {
            guard let detail = try store.run(id) else { throw EngineError("no run \(id)") }
            if detail.run.state.isTerminal || halted { return detail.run }
        }
        return try await withCheckedThrowingContinuation { c in completionWaiters[id, default: []].append(c) }
    }

    /// Returns the run (with its steps, as committed) as soon as `condition` holds for it; checked
    /// after each commit that touches the run. Meant for tests and tools that follow a run.
    public func waitFor(run id: String, _ condition: @escaping @Sendable (RunDetail) -> Bool) async throws -> RunDetail
    {
        if let run = runs[id] {
            // The live state is the committed one only when nothing is queued or being written.
            if batch.isEmpty && !flushing {
                let detail = run.detail
                if condition(detail) { return detail }
            }
        } else {
            guard let detail = try store.run(id) else { throw EngineError("no run \(id)") }
            if condition(detail) || detail.run.state.isTerminal { return detail }
        }
        return try await withCheckedThrowingContinuation { c in conditionWaiters[id, default: []].append((condition, c))
        }
    }

    /// The run as this engine holds it (including transitions not yet committed), or nil when it
    /// does not hold it.
    public func snapshot(run id: String) -> RunDetail? { runs[id]?.detail }

    /// Stops at once, as a crash would: nothing more is written, running attempts are cancelled and
    /// their results dropped. Their steps stay `running` in the store, so a new engine retries them.
    /// Returns once a transaction that was being written has ended (committed or not), so that the
    /// store is quiet, as after a process died.
    public func halt() async {
        stop(because: nil)
        if flushing { await withCheckedContinuation { idleWaiters.append($0) } }
    }

    /// Stops gracefully: starts no new attempt, waits until the running ones have finished and are
    /// recorded, then halts. Steps that are pending, retrying or waiting stay so in the store for the
    /// next start. For a controller's SIGTERM; bound the wait from outside if attempts can be long.
    public func drain() async {
        draining = true
        if running > 0 || flushing || !batch.isEmpty {
            await withCheckedContinuation { drainWaiters.append($0) }
        }
        await halt()
    }

    func stop(because storeError: RunStoreError?) {
        guard !halted else { return }
        halted = true
        lock?.release()
        deadlineTimer?.cancel()
        for c in drainWaiters { c.resume() }
        drainWaiters = []
        failure = storeError
        for run in runs.values {
            for s in run.steps { s.task?.cancel() }
        }
        let error: any Error = storeError ?? EngineError("the engine stopped")
        for c in effects.acknowledgements { c.resume(throwing: error) }
        effects = Effects()
        batch = JournalBatch()
        for (_, waiters) in completionWaiters { for c in waiters { c.resume(throwing: error) } }
        for (_, waiters) in conditionWaiters { for w in waiters { w.continuation.resume(throwing: error) } }
        completionWaiters = [:]
        conditionWaiters = [:]
        runs = [:]
        runsByKey = [:]
    }

    /// The number of runs the engine holds (not over yet).
    public var activeRunCount: Int { runs.count }

    private func load(_ id: String) async throws(RunStoreError) {
        let loaded = try await offActor { store in try store.load(run: id) }
        // Checked again after the await: a concurrent submit or poll may have adopted it meanwhile.
        guard !halted, let loaded, !loaded.detail.run.state.isTerminal, runs[id] == nil else { return }
        adopt(loaded)
    }

    /// Appends an event about step `name` of run `id` for its attempt `attempt`, through the group
    /// commit; returns once it is committed. Refused once that attempt is no longer running.
    func record(run id: String, step name: String, attempt: Int, events: [(type: String, data: Value)]) async throws {
        guard !halted, let run = runs[id], let i = run.index[name], run.steps[i].state == .running,
            run.steps[i].attempt == attempt
        else { throw EngineError("attempt \(attempt) of step \(name) of run \(id) is no longer running") }
        for (type, data) in events { event(run, type, step: i, data: data) }
        try await acknowledged()
    }

    /// Waits until everything queued so far is committed.
    private func acknowledged() async throws {
        if halted { throw EngineError("the engine stopped") }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            effects.acknowledgements.append(c)
            flush()
        }
    }
}
