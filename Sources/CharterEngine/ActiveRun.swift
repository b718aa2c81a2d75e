import CharterModel
import Foundation

/// A step of a run the engine holds in memory.
struct ActiveStep {
    var spec: StepSpec
    var state: StepState
    var attempt: Int
    var nextAttemptAt: Date?
    var startedAt: Date?
    var finishedAt: Date?
    var output: String?
    var reason: String?
    var artifacts: [String: ArtifactRecord]
    /// Whether dependents are skipped because of this step: it failed without `continueOnFailure`,
    /// was cancelled, or was itself skipped because of a need.
    var blocksDependents = false
    /// In the run's ready queue.
    var queued = false
    /// The running attempt, or the backoff timer while retrying.
    var task: Task<Void, Never>?
    /// The running attempt has a deadline (an entry in the engine's deadline queue).
    var hasDeadline = false
    /// The running attempt was cancelled because its deadline came.
    var timedOut = false

    var row: StepRow {
        StepRow(
            state: state, attempt: attempt, nextAttemptAt: nextAttemptAt, startedAt: startedAt, finishedAt: finishedAt,
            output: output, reason: reason, artifacts: artifacts)
    }

    var upstream: UpstreamResult {
        let outcome: StepOutcome =
            switch state {
            case .succeeded: .succeeded
            case .skipped: .skipped
            case .cancelled: .cancelled
            default: .failed
            }
        return UpstreamResult(outcome: outcome, output: output, reason: reason)
    }
}

/// A run the engine holds in memory while it is not over: its steps, the dependency graph, the
/// ready queue and the head of its event chain. Lives only inside the engine actor.
final class ActiveRun {
    var record: RunRecord
    let key: RunKey
    var steps: [ActiveStep]
    let index: [String: Int]
    /// Distinct needs and dependents of each step, by index.
    let needs: [[Int]]
    let dependents: [[Int]]
    /// Needs of each step that are not finished yet.
    var unfinishedNeeds: [Int]
    /// Steps that are not finished yet.
    var unfinished: Int
    var ready = MinHeap<Int>()
    /// Steps holding a slot: started (or about to be) and not yet reported back.
    var running = 0
    /// Whether the run's key is in the engine's queue of runs with ready steps.
    var queued = false
    /// The run's last event number, for the next event.
    var lastEvent: Int
    /// The finish is recorded in the current batch; nothing more may happen to the run.
    var finishing = false
    /// Steps whose needs all finished, to be decided (run, skip or fail) in order; a queue rather
    /// than recursion, since skips cascade down chains of any length.
    var toEvaluate: [Int] = []
    var evaluating = false
    let workspace: URL

    init(_ loaded: RunStore.LoadedRun, workspace: URL) {
        record = loaded.detail.run
        key = RunKey(priority: loaded.detail.run.priority, sequence: loaded.sequence)
        steps = loaded.detail.steps.map {
            ActiveStep(
                spec: $0.spec, state: $0.state, attempt: $0.attempt, nextAttemptAt: $0.nextAttemptAt,
                startedAt: $0.startedAt, finishedAt: $0.finishedAt, output: $0.output, reason: $0.reason,
                artifacts: $0.artifacts)
        }
        var index: [String: Int] = [:]
        for (i, s) in steps.enumerated() { index[s.spec.name] = i }
        self.index = index
        var needs = Array(repeating: [Int](), count: steps.count)
        var dependents = Array(repeating: [Int](), count: steps.count)
        for (i, s) in steps.enumerated() {
            var seen = Set<Int>()
            for n in s.spec.needs {
                guard let j = index[n], seen.insert(j).inserted else { continue }
                needs[i].append(j)
                dependents[j].append(i)
            }
        }
        self.needs = needs
        self.dependents = dependents
        unfinishedNeeds = needs.map { $0.count }
        unfinished = steps.count
        lastEvent = loaded.lastEvent
        self.workspace = workspace
        // Finished steps count down their dependents' needs, and whether they block dependents is
        // derived in dependency order: a skipped step blocks exactly when one of its needs does.
        var order: [Int] = []
        var remaining = needs.map { $0.count }
        var stack = remaining.indices.filter { remaining[$0] == 0 }.reversed().map { $0 }
        while let i = stack.popLast() {
            order.append(i)
            for d in dependents[i] {
                remaining[d] -= 1
                if remaining[d] == 0 { stack.append(d) }
            }
        }
        for i in order where steps[i].state.isTerminal {
            unfinished -= 1
            for d in dependents[i] { unfinishedNeeds[d] -= 1 }
            steps[i].blocksDependents = blocks(i)
        }
    }

    /// Whether finished step `i` makes its dependents skip.
    func blocks(_ i: Int) -> Bool {
        switch steps[i].state {
        case .failed: !steps[i].spec.continueOnFailure
        case .cancelled: true
        case .skipped: needs[i].contains { steps[$0].blocksDependents }
        default: false
        }
    }

    /// Every step `i` depends on, directly or through its needs: a template may read the output of any
    /// of them (`steps.X.output`), since all have finished before `i` starts.
    func upstream(of i: Int) -> [String: UpstreamResult] {
        var result: [String: UpstreamResult] = [:]
        var pending = needs[i]
        while let j = pending.popLast() {
            guard result[steps[j].spec.name] == nil else { continue }
            result[steps[j].spec.name] = steps[j].upstream
            pending.append(contentsOf: needs[j])
        }
        return result
    }

    /// The run as the store would return it.
    var detail: RunDetail {
        RunDetail(
            run: record,
            steps: steps.enumerated().map { i, s in
                StepRecord(
                    run: record.id, name: s.spec.name, index: i, spec: s.spec, state: s.state, attempt: s.attempt,
                    nextAttemptAt: s.nextAttemptAt, startedAt: s.startedAt, finishedAt: s.finishedAt, output: s.output,
                    reason: s.reason, artifacts: s.artifacts)
            })
    }
}
