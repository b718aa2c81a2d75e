import Foundation

/// The deadline of one running attempt.
struct Deadline: Comparable {
    var at: Date
    var run: String
    var index: Int
    var attempt: Int

    static func < (a: Deadline, b: Deadline) -> Bool { a.at < b.at }
    static func == (a: Deadline, b: Deadline) -> Bool {
        a.at == b.at && a.run == b.run && a.index == b.index && a.attempt == b.attempt
    }
}

// Timeouts: one timer for the whole engine, sleeping until the earliest deadline of a running
// attempt. A timer per attempt would have to be cancelled whenever the attempt finishes in time, and a
// cancelled `Task.sleep` keeps its allocation until the time it was sleeping for: with ten-minute
// timeouts that grows memory by every step of the last ten minutes.
extension WorkflowEngine {
    func addDeadline(_ d: Deadline) {
        deadlines.push(d)
        liveDeadlines += 1
        // Entries of attempts that finished in time are dropped lazily; compact before they dominate.
        if deadlines.count > 2 * liveDeadlines + 64 {
            deadlines.removeAll { !isLive($0) }
        }
        if timerDeadline.map({ d.at < $0 }) ?? true { armDeadlineTimer(at: d.at) }
    }

    /// Called when an attempt that had a deadline finished. The timer stays armed (it finds nothing
    /// to do when it fires), for the same reason as above: cancelling it would keep it anyway.
    func deadlineEnded() {
        liveDeadlines -= 1
        if liveDeadlines == 0 { deadlines = MinHeap() }
    }

    private func isLive(_ d: Deadline) -> Bool {
        guard let run = runs[d.run] else { return false }
        let step = run.steps[d.index]
        return step.state == .running && step.attempt == d.attempt && !step.timedOut
    }

    private func armDeadlineTimer(at date: Date) {
        deadlineTimer?.cancel()
        timerGeneration += 1
        let generation = timerGeneration
        timerDeadline = date
        let clock = self.clock
        deadlineTimer = Task.detached { [self] in
            do { try await clock.sleep(until: date) } catch { return }
            await deadlinesPassed(generation: generation)
        }
    }

    /// Cancels every attempt whose deadline has come; `attemptFinished` records them as timed out.
    private func deadlinesPassed(generation: Int) {
        guard !halted, generation == timerGeneration else { return }
        deadlineTimer = nil
        timerDeadline = nil
        let now = clock.now
        while let d = deadlines.min, d.at <= now || !isLive(d) {
            _ = deadlines.pop()
            guard d.at <= now, isLive(d), let run = runs[d.run] else { continue }
            run.steps[d.index].timedOut = true
            run.steps[d.index].task?.cancel()
        }
        if let next = deadlines.min { armDeadlineTimer(at: next.at) }
    }
}
