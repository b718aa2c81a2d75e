import CharterMetrics
import CharterModel
import CharterStore
import Foundation

extension WorkflowEngine {
    // MARK: Finishing steps and runs

    /// Records step `i` as finished and decides the dependents whose needs are now all finished.
    func finish(
        _ run: ActiveRun, _ i: Int, _ state: StepState, output: String? = nil, reason: String? = nil,
        artifacts: [String: ArtifactRecord] = [:], blocks: Bool? = nil, event type: String,
        actor: String? = nil, data: Value? = nil
    ) {
        let now = clock.now
        run.steps[i].task?.cancel()
        run.steps[i].task = nil
        run.steps[i].queued = false
        run.steps[i].state = state
        run.steps[i].finishedAt = now
        run.steps[i].nextAttemptAt = nil
        run.steps[i].output = output
        run.steps[i].reason = reason
        run.steps[i].artifacts = artifacts
        let spec = run.steps[i].spec
        configuration.metrics.stepFinished(
            type: spec.type, state: state.rawValue,
            duration: run.steps[i].startedAt.map { CharterMetrics.duration(seconds: now.timeIntervalSince($0)) })
        run.steps[i].blocksDependents =
            blocks ?? (state == .cancelled || (state == .failed && !spec.continueOnFailure))
        if state == .failed && !spec.continueOnFailure && run.record.error == nil {
            run.record.error = "step \(spec.name) failed: \(reason ?? "unknown reason")"
        }
        write(run, i)
        var payload = data?.object ?? [:]
        if let reason, payload["reason"] == nil { payload["reason"] = .string(reason) }
        event(run, type, step: i, actor: actor, data: .object(payload))
        run.unfinished -= 1
        for d in run.dependents[i] {
            run.unfinishedNeeds[d] -= 1
            if run.unfinishedNeeds[d] == 0 && run.steps[d].state == .pending { run.toEvaluate.append(d) }
        }
        evaluatePending(run)
        if run.unfinished == 0 && !run.finishing { finishRun(run) }
    }

    func evaluatePending(_ run: ActiveRun) {
        guard !run.evaluating else { return }
        run.evaluating = true
        defer { run.evaluating = false }
        var next = 0
        while next < run.toEvaluate.count {
            evaluate(run, run.toEvaluate[next])
            next += 1
        }
        run.toEvaluate.removeAll(keepingCapacity: true)
    }

    /// Decides a step whose needs all finished: cancelled, skipped (a need blocks, or its condition
    /// says so), failed (the condition could not be evaluated) or ready.
    private func evaluate(_ run: ActiveRun, _ i: Int) {
        guard run.steps[i].state == .pending, !run.steps[i].queued else { return }
        if run.record.cancelRequested {
            finish(run, i, .cancelled, reason: "run cancelled", event: "step.cancelled")
            return
        }
        if let j = run.needs[i].first(where: { run.steps[$0].blocksDependents }) {
            let need = run.steps[j]
            let what =
                switch need.state {
                case .failed: "failed"
                case .cancelled: "was cancelled"
                default: "was skipped"
                }
            finish(
                run, i, .skipped, reason: "needs \(need.spec.name), which \(what)", blocks: true, event: "step.skipped")
            return
        }
        let spec = run.steps[i].spec
        if let condition = spec.when {
            let decision: GateDecision
            do {
                decision = try gate.evaluate(
                    condition, step: spec, upstream: run.upstream(of: i), parameters: run.record.parameters)
            } catch {
                finish(run, i, .failed, reason: "when `\(condition)`: \(error)", event: "step.failed")
                return
            }
            if decision == .skip {
                finish(
                    run, i, .skipped, reason: "condition `\(condition)` is false", blocks: false, event: "step.skipped")
                return
            }
        }
        markReady(run, i)
    }

    func finishRun(_ run: ActiveRun) {
        run.finishing = true
        let state: RunState =
            run.record.cancelRequested ? .cancelled : (run.record.error != nil ? .failed : .succeeded)
        let now = clock.now
        run.record.state = state
        run.record.finishedAt = now
        configuration.metrics.runFinished(
            state: state.rawValue,
            duration: CharterMetrics.duration(
                seconds: now.timeIntervalSince(run.record.startedAt ?? run.record.createdAt)))
        batch.writes.append(.runFinished(run: run.record.id, state: state, at: now, error: run.record.error))
        var data: [String: Value] = [:]
        if let error = run.record.error { data["error"] = .string(error) }
        event(run, "run.\(state.rawValue)", data: .object(data))
        effects.finished.append(run)
    }

    // MARK: Cancellation

    func requestCancel(_ run: ActiveRun, by actor: String) {
        run.record.cancelRequested = true
        batch.writes.append(.cancelRequested(run: run.record.id))
        event(run, "run.cancel-requested", actor: actor, data: [:])
        cancelSteps(run)
    }

    /// Cancels every step that is not running; running ones are cancelled once this is committed.
    func cancelSteps(_ run: ActiveRun) {
        for i in run.steps.indices where !run.finishing {
            switch run.steps[i].state {
            case .pending, .retrying, .waiting:
                finish(run, i, .cancelled, reason: "run cancelled", event: "step.cancelled")
            default:
                break
            }
        }
        if run.running > 0 { effects.cancellations.append(run) }
    }

    // MARK: The journal

    func write(_ run: ActiveRun, _ i: Int) {
        batch.writes.append(.step(run: run.record.id, index: i, row: run.steps[i].row))
    }

    func event(_ run: ActiveRun, _ type: String, step i: Int? = nil, actor: String? = nil, data: Value) {
        run.lastEvent += 1
        let step = i.map { run.steps[$0].spec.name }
        var data = data
        // The step's name is part of the event itself, so the published events.jsonl.gz (which has
        // no step column) still says which step each event is about.
        if let step, case .object(var fields) = data, fields["step"] == nil {
            fields["step"] = .string(step)
            data = .object(fields)
        }
        batch.events.append(
            PendingEvent(
                run: run.record.id, sequence: run.lastEvent, type: type, time: clock.now,
                actor: actor ?? configuration.actor, step: step, data: data))
    }

    /// Commits the queued transitions, then performs their effects; transitions queued meanwhile go
    /// into the next transaction (group commit).
    func flush() {
        guard !flushing, !halted else { return }
        guard !batch.isEmpty else {
            if !effects.isEmpty || !conditionWaiters.isEmpty {
                let current = takeEffects()
                perform(current)
            }
            return
        }
        flushing = true
        Task { await flushLoop() }
    }

    private func takeEffects() -> Effects {
        var current = effects
        effects = Effects()
        for id in conditionWaiters.keys { if let run = runs[id] { current.snapshots[id] = run.detail } }
        return current
    }

    private func flushLoop() async {
        defer {
            flushing = false
            for c in idleWaiters { c.resume() }
            idleWaiters = []
            if draining && running == 0 && batch.isEmpty {
                for c in drainWaiters { c.resume() }
                drainWaiters = []
            }
        }
        while !halted && !batch.isEmpty {
            let current = batch
            batch = JournalBatch()
            let currentEffects = takeEffects()
            var involved: ChainHeads = [:]
            for e in current.events where involved[e.run] == nil {
                involved[e.run] = heads[e.run] ?? Event.genesisHash
            }
            do {
                let updated = try await RunJournal.commit(current, heads: involved, to: store)
                guard !halted else { return }
                for (run, hash) in updated where runs[run] != nil { heads[run] = hash }
            } catch {
                stop(because: RunStoreError("record transitions", path: store.path, error))
                return
            }
            perform(currentEffects)
        }
        if !halted && (!effects.isEmpty) { perform(takeEffects()) }
    }

    private func perform(_ e: Effects) {
        for c in e.acknowledgements { c.resume() }
        for (run, i, attempt) in e.launches { launch(run, i, attempt: attempt) }
        for (run, i, attempt, at) in e.timers { startTimer(run, i, attempt: attempt, at: at) }
        for run in e.cancellations {
            for s in run.steps where s.state == .running { s.task?.cancel() }
        }
        for run in e.finished {
            let id = run.record.id
            runs[id] = nil
            runsByKey[run.key] = nil
            heads[id] = nil
            for c in completionWaiters.removeValue(forKey: id) ?? [] { c.resume(returning: run.record) }
        }
        if !e.finished.isEmpty && backlogged && !admitting {
            Task {
                do throws(RunStoreError) { try await admit() } catch { stop(because: error) }
            }
        }
        notifyConditionWaiters(e)
    }

    private func notifyConditionWaiters(_ e: Effects) {
        for id in Array(conditionWaiters.keys) {
            // A waiter that registered after the batch was taken sees the live state only when nothing
            // is pending, since only then is the live state the committed one.
            let detail = e.snapshots[id] ?? (batch.isEmpty ? runs[id]?.detail : nil)
            guard let detail else { continue }
            let over = detail.run.state.isTerminal
            var keep:
                [(condition: @Sendable (RunDetail) -> Bool, continuation: CheckedContinuation<RunDetail, any Error>)] =
                    []
            for w in conditionWaiters[id] ?? [] {
                if w.condition(detail) || over { w.continuation.resume(returning: detail) } else { keep.append(w) }
            }
            conditionWaiters[id] = keep.isEmpty ? nil : keep
        }
    }
}
