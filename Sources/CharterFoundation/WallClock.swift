import Foundation

/// A source of wall-clock time: stamps on transitions and ledger rows, backoff and cooldown waits,
/// timeouts, rate windows and queue deadlines are all measured with one. Injected so tests move time
/// explicitly (the test support's `ManualClock`) and never sleep.
///
/// Not Swift's `Clock`: instants here are `Date`s, because they are stored and compared with stored
/// ones (`runs.sqlite`, `usage.sqlite`).
public protocol WallClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Returns once ``now`` has reached `deadline` (at once if it passed); throws `CancellationError`
    /// when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's wall clock: `Date()` and `Task.sleep`.
public struct SystemWallClock: WallClock {
    /// The system clock.
    public init() {}

    /// `Date()`.
    public var now: Date { Date() }

    /// `Task.sleep` until `deadline`, at most ``longestSleep`` at a time: a deadline centuries away
    /// (a duration stored before the schema bounded them) is waited for, never converted to a number
    /// of nanoseconds that overflows.
    public func sleep(until deadline: Date) async throws {
        while true {
            let seconds = deadline.timeIntervalSinceNow
            guard seconds > 0 else { break }
            // Rounded up, so one sleep is never a nanosecond short of a deadline under a day away.
            try await Task.sleep(for: .nanoseconds(Int64((min(seconds, Self.longestSleep) * 1e9).rounded(.up))))
        }
        try Task.checkCancellation()
    }

    /// The longest single `Task.sleep`, in seconds: a day.
    static let longestSleep: Double = 86_400
}
