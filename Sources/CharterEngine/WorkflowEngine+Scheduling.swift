import CharterModel
import CharterStore
import Foundation

/// What may happen only after the batch holding its transitions is committed.
struct Effects {
    var launches: [(run: ActiveRun, index: Int, attempt: Int)] = []
    var timers: [(run: ActiveRun, index: Int, attempt: Int, at: Date)] = []
    var cancellations: [ActiveRun] = []
    var acknowledgements: [CheckedContinuation<Void, any Error>] = []
    var finished: [ActiveRun] = []
    /// Runs with condition waiters, as of the batch's last transition.
    var snapshots: [String: RunDetail] = [:]

    var isEmpty: Bool {
        launches.isEmpty && timers.isEmpty && cancellations.isEmpty && acknowledgements.isEmpty && finished.isEmpty
    }
}

// The state machine. Every method here runs on the actor and only queues transitions (`batch`) and
// their effects (`effects`); `flush()` commits the batch and then performs the effects, so nothing
// is acknowledged, launched or scheduled before the transition it depends on is durable.
extension WorkflowEngine {
    // MARK: Taking over runs

    func adopt(_ loaded: RunStore.LoadedRun) {
        let run = ActiveRun(loaded, workspace: store.workspace(run: loaded.detail.run.id))
        let id = run.record.id
        runs[id] = run
        runsByKey[run.key] = run
        heads[id] = loaded.lastHash
        let now = clock.now
        if run.record.state == .pending {
            run.record.state = .running
            run.record.startedAt = now
            batch.writes.append(.runStarted(run: id, at: now))
            event(run, "run.started", data: [:])
        }
        // Also for a resumed run, in case its workspace was removed while no engine ran.
        batch.workspaces.append(run.workspace)
        for i in run.steps.indices {
            switch run.steps[i].state {
            case .running:
                // The attempt was in flight when the previous engine stopped: its outcome is unknown,
                // so it counts as a failed attempt and the policy decides.
                let attempt = run.steps[i].attempt
                if configuration.resumableStepTypes.contains(run.steps[i].spec.type) && !run.record.cancelRequested {
                    // The executor continues from its journal: the same attempt, launched again.
                    event(run, "step.resumed", step: i, data: ["attempt": .int(attempt)])
                    relaunch(run, i)
                    continue
                }
                run.steps[i].state = .pending
                if run.record.cancelRequested {
                    finish(run, i, .cancelled, reason: "run cancelled", event: "step.cancelled")
                } else {
                    failAttempt(
                        run, i, reason: "interrupted: the engine stopped during attempt \(attempt)", retryable: true,
                        attempt: attempt, now: now)
                }
            case .retrying where !run.record.cancelRequested:
                if let at = run.steps[i].nextAttemptAt, at > now {
                    // A wait stored before backoffs were bounded may lie centuries ahead: at most the bound.
                    let latest = now.addingTimeInterval(Double(DurationRange.retryBackoff.maximum) / 1000)
                    effects.timers.append((run, i, run.steps[i].attempt, min(at, latest)))
                } else {
                    markReady(run, i)
                }
            case .pending where run.unfinishedNeeds[i] == 0:
                run.toEvaluate.append(i)
            default:
                break
            }
        }
        evaluatePending(run)
        if run.record.cancelRequested { cancelSteps(run) }
        if run.unfinished == 0 && !run.finishing { finishRun(run) }
    }

    // MARK: Dispatch

    func markReady(_ run: ActiveRun, _ i: Int) {
        guard !run.steps[i].queued else { return }
        run.steps[i].queued = true
        run.ready.push(i)
        enqueue(run)
    }

    func enqueue(_ run: ActiveRun) {
        guard !run.queued, !run.ready.isEmpty, run.running < configuration.maxConcurrentStepsPerRun else { return }
        run.queued = true
        readyRuns.push(run.key)
    }

    /// Starts ready steps while slots are free: runs by priority then age, steps by declaration order.
    func pump() {
        while !draining, running < configuration.maxConcurrentSteps, let key = readyRuns.min {
            guard let run = runsByKey[key] else {
                _ = readyRuns.pop()
                continue
            }
            guard run.running < configuration.maxConcurrentStepsPerRun, !run.finishing, let i = run.ready.pop() else {
                _ = readyRuns.pop()
                run.queued = false
                continue
            }
            guard run.steps[i].queued else { continue }
            run.steps[i].queued = false
            let state = run.steps[i].state
            guard state == .pending || state == .retrying, !run.record.cancelRequested else { continue }
            startAttempt(run, i)
        }
    }

    private func startAttempt(_ run: ActiveRun, _ i: Int) {
        let now = clock.now
        run.steps[i].attempt += 1
        run.steps[i].state = .running
        run.steps[i].startedAt = now
        run.steps[i].finishedAt = nil
        run.steps[i].nextAttemptAt = nil
        run.running += 1
        running += 1
        write(run, i)
        event(run, "step.started", step: i, data: ["attempt": .int(run.steps[i].attempt)])
        effects.launches.append((run, i, run.steps[i].attempt))
    }

    /// Launches step `i` again as its current attempt (a resumable step after a stop or a
    /// resolved wait): running from now, holding a slot, without a new attempt number.
    func relaunch(_ run: ActiveRun, _ i: Int) {
        run.steps[i].state = .running
        run.steps[i].reason = nil
        run.running += 1
        running += 1
        write(run, i)
        effects.launches.append((run, i, run.steps[i].attempt))
    }

    func launch(_ run: ActiveRun, _ i: Int, attempt: Int) {
        guard runs[run.record.id] === run, run.steps[i].state == .running, run.steps[i].attempt == attempt else {
            return
        }
        if run.record.cancelRequested {
            attemptFinished(run: run.record.id, index: i, attempt: attempt, outcome: .cancelled)
            return
        }
        let spec = run.steps[i].spec
        let clock = self.clock
        var deadline: Date?
        if let timeout = spec.timeoutMilliseconds {
            // Clamped: a run stored before the schema bounded timeouts may carry any number.
            deadline = clock.now.addingTimeInterval(Double(DurationRange.stepTimeout.clamp(timeout)) / 1000)
        }
        var context = StepContext(
            runID: run.record.id, template: run.record.template, routine: run.record.routine, step: spec,
            attempt: attempt, parameters: run.record.parameters, upstream: run.upstream(of: i),
            workspace: run.workspace, deadline: deadline, runSteps: run.steps.map(\.spec))
        let store = self.store
        let runID = run.record.id
        context.journal = StepJournal(
            blobs: store.artifactsDirectory,
            append: { [weak self] events in
                guard let self else { throw EngineError("the engine stopped") }
                try await self.record(run: runID, step: spec.name, attempt: attempt, events: events)
            },
            read: { try store.events(run: runID, step: spec.name) })
        let executor = executors[spec.type]
        let id = run.record.id
        let artifacts = store.artifactsDirectory
        run.steps[i].task = Task.detached { [self] in
            let outcome = await StepRunner.run(executor, context, artifacts: artifacts)
            await attemptFinished(run: id, index: i, attempt: attempt, outcome: outcome)
        }
        if let deadline {
            run.steps[i].hasDeadline = true
            addDeadline(Deadline(at: deadline, run: id, index: i, attempt: attempt))
        }
    }

    func attemptFinished(run id: String, index i: Int, attempt: Int, outcome: AttemptOutcome) {
        guard !halted, let run = runs[id], run.steps[i].state == .running, run.steps[i].attempt == attempt else {
            return
        }
        run.steps[i].task = nil
        run.running -= 1
        running -= 1
        let timedOut = run.steps[i].timedOut
        run.steps[i].timedOut = false
        if run.steps[i].hasDeadline {
            run.steps[i].hasDeadline = false
            deadlineEnded()
        }
        let now = clock.now
        let cancelled = run.record.cancelRequested
        switch outcome {
        case .succeeded(let output, let artifacts, let details):
            var data = details
            data["attempt"] = .int(attempt)
            if !artifacts.isEmpty {
                data["artifacts"] = .object(artifacts.mapValues { .string($0.sha256) })
            }
            finish(
                run, i, .succeeded, output: output, artifacts: artifacts, event: "step.succeeded", data: .object(data))
        case .suspended(let detail) where !cancelled:
            run.steps[i].state = .waiting
            run.steps[i].reason = detail
            write(run, i)
            var data: [String: Value] = ["attempt": .int(attempt)]
            if let detail { data["detail"] = .string(detail) }
            event(run, "step.waiting", step: i, data: .object(data))
        case _ where cancelled:
            finish(run, i, .cancelled, reason: "run cancelled", event: "step.cancelled")
        case _ where timedOut:
            // Whatever the executor made of its cancellation, the deadline ended this attempt.
            let reason = "timed out after \(run.steps[i].spec.timeoutMilliseconds ?? 0) ms"
            failAttempt(run, i, reason: reason, retryable: true, attempt: attempt, now: now)
        case .failed(let reason, let retryable, let details, let artifacts):
            failAttempt(
                run, i, reason: reason, retryable: retryable, attempt: attempt, now: now, details: details,
                artifacts: artifacts)
        case .cancelled, .suspended:
            // Cancelled without a cancel request: the executor gave up on its own.
            failAttempt(run, i, reason: "the attempt was cancelled", retryable: true, attempt: attempt, now: now)
        }
        enqueue(run)
        pump()
        flush()
    }

    /// An attempt failed: the next one after its backoff, or the step fails when none is left.
    private func failAttempt(
        _ run: ActiveRun, _ i: Int, reason: String, retryable: Bool, attempt: Int, now: Date,
        details: [String: Value] = [:], artifacts: [String: ArtifactRecord] = [:]
    ) {
        let spec = run.steps[i].spec
        guard retryable, attempt < spec.retry.maxAttempts else {
            var data = details
            data["attempt"] = .int(attempt)
            data["reason"] = .string(reason)
            if !artifacts.isEmpty { data["artifacts"] = .object(artifacts.mapValues { .string($0.sha256) }) }
            finish(
                run, i, .failed, reason: reason, artifacts: artifacts, event: "step.failed", data: .object(data))
            return
        }
        let key = "\(run.record.id)/\(spec.name)/\(attempt)"
        let delay = Backoff.delayMilliseconds(after: attempt, policy: spec.retry, key: key)
        let at = now.addingTimeInterval(Double(delay) / 1000)
        run.steps[i].state = .retrying
        run.steps[i].reason = reason
        run.steps[i].finishedAt = now
        run.steps[i].nextAttemptAt = at
        write(run, i)
        var data = details
        data["attempt"] = .int(attempt)
        data["reason"] = .string(reason)
        data["delayMs"] = .int(delay)
        data["nextAttemptAt"] = .string(Event.timestamp(at))
        event(run, "step.retrying", step: i, data: .object(data))
        if delay == 0 { markReady(run, i) } else { effects.timers.append((run, i, attempt, at)) }
    }

    func startTimer(_ run: ActiveRun, _ i: Int, attempt: Int, at: Date) {
        guard runs[run.record.id] === run, run.steps[i].state == .retrying, run.steps[i].attempt == attempt else {
            return
        }
        let id = run.record.id
        let clock = self.clock
        run.steps[i].task = Task.detached { [self] in
            do { try await clock.sleep(until: at) } catch { return }
            await retryDue(run: id, index: i, attempt: attempt)
        }
    }

    private func retryDue(run id: String, index i: Int, attempt: Int) {
        guard !halted, let run = runs[id], run.steps[i].state == .retrying, run.steps[i].attempt == attempt else {
            return
        }
        run.steps[i].task = nil
        markReady(run, i)
        pump()
        flush()
    }
}
