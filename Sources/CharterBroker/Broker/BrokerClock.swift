import Foundation

/// The time source of a ``CapacityBroker``: rate windows, cooldowns, budget days and queue deadlines
/// are all measured with it, so tests drive them with ``ManualBrokerClock`` and never sleep.
public protocol BrokerClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Returns once ``now`` has reached `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The wall clock: `Date()` and `Task.sleep`.
public struct SystemBrokerClock: BrokerClock {
    /// The wall clock.
    public init() {}

    public var now: Date { Date() }

    /// Sleeps a day at a time, so a far deadline never overflows the conversion to nanoseconds.
    public func sleep(until deadline: Date) async throws {
        while true {
            let seconds = deadline.timeIntervalSinceNow
            guard seconds > 0 else { break }
            try await Task.sleep(for: .nanoseconds(Int64((min(seconds, 86_400) * 1e9).rounded(.up))))
        }
        try Task.checkCancellation()
    }
}
