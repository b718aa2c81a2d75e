import Foundation

/// A value guarded by a lock, for state shared between tasks without an actor hop.
///
/// `Synchronization.Mutex` would do, but it needs macOS 15 and the package supports macOS 14.
final class BrokerLocked<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    init(_ state: State) { self.state = state }

    /// Runs `body` with exclusive access; keep it short and never await or block inside.
    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
