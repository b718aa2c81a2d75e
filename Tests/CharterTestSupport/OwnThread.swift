import Foundation

/// Runs blocking `work` (waiting on a process, a socket, a condition) on a thread of its own and
/// awaits its result, so that it never holds one of the few threads of Swift's cooperative pool,
/// which every other test running in parallel needs.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
