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

    /// `Task.sleep` until `deadline`, a day at a time: a deadline centuries away (a duration stored
    /// before the schema bounded them) is waited for, never converted to nanoseconds that overflow.
    public func sleep(until deadline: Date) async throws {
        while true {
            let seconds = deadline.timeIntervalSinceNow
            guard seconds > 0 else { break }
            try await Task.sleep(nanoseconds: UInt64(min(seconds, Self.longestSleep) * 1e9))
        }
        try Task.checkCancellation()
    }

    /// The longest single `Task.sleep`, in seconds.
    static let longestSleep: Double = 86_400
}
