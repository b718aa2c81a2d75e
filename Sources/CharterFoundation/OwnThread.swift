import Foundation

/// Runs blocking work — a file-system walk, a `flock` wait — on a thread of its own and awaits it,
/// so it never holds one of the cooperative pool's few threads (two on a two-core machine), which
/// every task of the process shares.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
