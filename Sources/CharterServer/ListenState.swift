import Foundation

/// The port the server bound, published once it listens, for callers that bound port 0.
final class ListenState: @unchecked Sendable {
    private enum State {
        case starting
        case listening(Int)
        case stopped
    }

    // Guarded by `lock`: NIO reports the bound channel on its own thread.
    private let lock = NSLock()
    private var state = State.starting
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Int?, Never>)] = []
    private var nextWaiterID: UInt64 = 0

    /// The bound port while listening.
    var port: Int? {
        lock.withLock {
            if case .listening(let port) = state { return port }
            return nil
        }
    }

    func listening(on port: Int) { settle(.listening(port), port) }

    func stopped() { settle(.stopped, nil) }

    /// The bound port once listening; nil if the server stopped first or the task was cancelled.
    func wait() async -> Int? {
        let id: UInt64 = lock.withLock {
            nextWaiterID += 1
            return nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
                lock.lock()
                switch state {
                case .listening(let port):
                    lock.unlock()
                    continuation.resume(returning: port)
                case .stopped:
                    lock.unlock()
                    continuation.resume(returning: nil)
                case .starting where Task.isCancelled:
                    lock.unlock()
                    continuation.resume(returning: nil)
                case .starting:
                    waiters.append((id, continuation))
                    lock.unlock()
                }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Int?, Never>? = lock.withLock {
                guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    private func settle(_ next: State, _ port: Int?) {
        let waiting = lock.withLock {
            state = next
            defer { waiters = [] }
            return waiters.map(\.continuation)
        }
        for waiter in waiting { waiter.resume(returning: port) }
    }
}
