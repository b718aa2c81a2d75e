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

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .nanoseconds(Int64((seconds * 1e9).rounded(.up)))) }
        try Task.checkCancellation()
    }
}
