import CharterFoundation
import Foundation

/// A clock that moves only when told to: tests advance it, and the engine's backoff waits and
/// timeouts and the broker's timers (window expiry, cooldown ends, queue deadlines) fire exactly
/// then, with no real sleeping.
public final class ManualClock: WallClock, @unchecked Sendable {
    // State behind `lock`; continuations are resumed outside it, so a resumed task never runs
    // while the lock is held.
    private let lock = NSLock()
    private var current: Date
    private var nextID = 0
    private var sleepers: [Int: (deadline: Date, continuation: CheckedContinuation<Void, any Error>)] = [:]
    private var cancelledBeforeSleeping: Set<Int> = []
    private var watchers: [(condition: @Sendable ([Date]) -> Bool, continuation: CheckedContinuation<Void, Never>)] =
        []

    /// A clock standing at `now` (by default a fixed instant, so stamps and ledger rows are reproducible).
    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = now
    }

    /// Where the clock stands.
    public var now: Date { lock.withLock { current } }

    /// The deadlines of the sleepers still waiting, earliest first.
    public var pendingDeadlines: [Date] { lock.withLock { sleepers.values.map(\.deadline).sorted() } }

    /// Waits until ``advance(to:)`` reaches `deadline`, or the task is cancelled.
    public func sleep(until deadline: Date) async throws {
        let id = lock.withLock {
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = lock.withLock {
                    if cancelledBeforeSleeping.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= current { return .success(()) }
                    sleepers[id] = (deadline, c)
                    return nil
                }
                if let outcome {
                    c.resume(with: outcome)
                } else {
                    notifyWatchers()
                }
            }
        } onCancel: {
            let sleeper = lock.withLock {
                let s = sleepers.removeValue(forKey: id)
                if s == nil { cancelledBeforeSleeping.insert(id) }
                return s
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `seconds` and wakes every sleeper whose deadline has come, earliest first.
    public func advance(by seconds: TimeInterval) {
        advance(to: now.addingTimeInterval(seconds))
    }

    /// Moves the clock to `date` (never backwards) and wakes every sleeper whose deadline has come.
    public func advance(to date: Date) {
        let due = lock.withLock {
            current = max(current, date)
            let due = sleepers.filter { $0.value.deadline <= current }.sorted { $0.value.deadline < $1.value.deadline }
            for (id, _) in due { sleepers.removeValue(forKey: id) }
            return due.map(\.value.continuation)
        }
        for c in due { c.resume() }
        notifyWatchers()
    }

    /// Returns once the deadlines of the waiting sleepers satisfy `condition`, such as "one sleeper
    /// waits": how a test knows the engine has scheduled a backoff or timeout before advancing.
    public func waitForSleepers(_ condition: @escaping @Sendable ([Date]) -> Bool) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let satisfied = lock.withLock {
                if condition(sleepers.values.map(\.deadline).sorted()) { return true }
                watchers.append((condition, c))
                return false
            }
            if satisfied { c.resume() }
        }
    }

    private func notifyWatchers() {
        let ready = lock.withLock {
            let deadlines = sleepers.values.map(\.deadline).sorted()
            var ready: [CheckedContinuation<Void, Never>] = []
            watchers.removeAll { w in
                guard w.condition(deadlines) else { return false }
                ready.append(w.continuation)
                return true
            }
            return ready
        }
        for c in ready { c.resume() }
    }
}
