import CharterFoundation
import Foundation

/// A clock that moves only when told to, for tests: the broker's timers (window expiry, cooldown
/// ends, queue deadlines) fire exactly when ``advance(by:)`` passes them, with no real sleeping.
public final class ManualBrokerClock: WallClock, @unchecked Sendable {
    // State behind `lock`; continuations are resumed outside it so a resumed task never runs
    // while the lock is held.
    private let lock = NSLock()
    private var current: Date
    private var nextID = 0
    private var sleepers: [Int: (deadline: Date, continuation: CheckedContinuation<Void, any Error>)] = [:]
    private var cancelledBeforeSleeping: Set<Int> = []

    /// A clock standing at `now` (by default a fixed instant, so ledger rows are reproducible).
    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = now
    }

    /// Where the clock stands.
    public var now: Date { lock.withLock { current } }

    /// How many tasks are sleeping on this clock.
    public var sleeperCount: Int { lock.withLock { sleepers.count } }

    /// Waits until the clock reaches `deadline`, or the task is cancelled.
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
                if let outcome { c.resume(with: outcome) }
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

    /// Moves the clock forward by `seconds` and wakes every sleeper whose deadline has come.
    public func advance(by seconds: TimeInterval) {
        advance(to: now.addingTimeInterval(seconds))
    }

    /// Moves the clock to `date` (never backwards) and wakes every sleeper whose deadline has come,
    /// earliest first.
    public func advance(to date: Date) {
        let due = lock.withLock {
            current = max(current, date)
            let due = sleepers.filter { $0.value.deadline <= current }.sorted { $0.value.deadline < $1.value.deadline }
            for (id, _) in due { sleepers.removeValue(forKey: id) }
            return due.map(\.value.continuation)
        }
        for c in due { c.resume() }
    }
}
