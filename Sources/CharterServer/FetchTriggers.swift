import Foundation

/// The triggers the webhook server emits and the controller consumes, coalesced: while one is
/// pending, later deliveries fold into it rather than queueing, because one fetch serves them all.
///
/// Not an `AsyncStream`: cancelling the task that awaits an `AsyncStream` ends the stream, and the
/// controller races this against its poll timer and cancels the loser. Here a cancelled `next()`
/// returns nil and leaves the pending trigger for the next call.
public final class FetchTriggers: AsyncSequence, @unchecked Sendable {
    public typealias Element = FetchTrigger

    // Guarded by `lock`: request handlers submit from NIO threads while the controller waits.
    private let lock = NSLock()
    private var pending: FetchTrigger?
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<FetchTrigger?, Never>)] = []
    private var nextWaiterID: UInt64 = 0
    private var finished = false

    /// An empty, open sequence.
    public init() {}

    /// Waits for the next trigger. Returns nil when the server has stopped, or at once when the
    /// waiting task is cancelled (a pending trigger stays pending).
    public func next() async -> FetchTrigger? {
        let id: UInt64 = lock.withLock {
            nextWaiterID += 1
            return nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<FetchTrigger?, Never>) in
                lock.lock()
                if let trigger = pending {
                    pending = nil
                    lock.unlock()
                    continuation.resume(returning: trigger)
                } else if finished || Task.isCancelled {
                    lock.unlock()
                    continuation.resume(returning: nil)
                } else {
                    waiters.append((id, continuation))
                    lock.unlock()
                }
            }
        } onCancel: {
            let waiter: CheckedContinuation<FetchTrigger?, Never>? = lock.withLock {
                guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Hands `trigger` to a waiting consumer, or keeps it pending, merged into any trigger already
    /// pending. Returns whether it was merged into one.
    @discardableResult
    func submit(_ trigger: FetchTrigger) -> Bool {
        lock.lock()
        guard !finished else {
            lock.unlock()
            return false
        }
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst().continuation
            lock.unlock()
            waiter.resume(returning: trigger)
            return false
        }
        let coalesced = pending != nil
        pending = pending.map { $0.merged(with: trigger) } ?? trigger
        lock.unlock()
        return coalesced
    }

    /// Takes the pending trigger without waiting.
    func takePending() -> FetchTrigger? {
        lock.withLock {
            defer { pending = nil }
            return pending
        }
    }

    /// Ends the sequence: waiting and later `next()` calls return nil once nothing is pending.
    func finish() {
        let waiting = lock.withLock {
            finished = true
            defer { waiters = [] }
            return waiters.map(\.continuation)
        }
        for waiter in waiting { waiter.resume(returning: nil) }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(triggers: self) }

    /// Iterates until the server stops or the iterating task is cancelled.
    public struct Iterator: AsyncIteratorProtocol {
        let triggers: FetchTriggers

        public mutating func next() async -> FetchTrigger? { await triggers.next() }
    }
}
