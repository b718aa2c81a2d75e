import Foundation

/// A value guarded by a lock, for state shared between threads, dispatch queues and tasks.
///
/// `Synchronization.Mutex` would do, but it needs macOS 15 and the package supports macOS 14.
public final class Locked<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    /// A box holding `state`.
    public init(_ state: State) { self.state = state }

    /// Runs `body` with exclusive access; keep it short and never await or block inside.
    public func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
