import Foundation

/// The engine's time: stamps on transitions, backoff waits and timeouts. Injected so tests move
/// time explicitly (``ManualClock``).
public protocol EngineClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Returns at `deadline` (at once if it passed); throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// Wall-clock time.
public struct SystemClock: EngineClock {
    /// The system clock.
    public init() {}

    /// `Date()`.
    public var now: Date { Date() }

    /// `Task.sleep` until `deadline`.
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
        try Task.checkCancellation()
    }
}
