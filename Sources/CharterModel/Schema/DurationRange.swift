/// The durations a field accepts, in milliseconds.
///
/// Every duration field of the schema has one, so no repository value can reach the engine, the
/// scheduler or the controller's loop as a wait of centuries (which overflowed the conversions to
/// nanoseconds and crashed the controller). Readers of stored values clamp with the same ranges.
public struct DurationRange: Sendable, Hashable {
    /// The shortest accepted duration.
    public var minimum: Int
    /// The longest accepted duration.
    public var maximum: Int

    public init(_ range: ClosedRange<Int>) {
        minimum = range.lowerBound
        maximum = range.upperBound
    }

    /// Whether `milliseconds` is accepted.
    public func contains(_ milliseconds: Int) -> Bool { milliseconds >= minimum && milliseconds <= maximum }

    /// `milliseconds` moved into the range: how readers treat values stored before the range existed.
    public func clamp(_ milliseconds: Int) -> Int { min(max(milliseconds, minimum), maximum) }

    static let second = 1000
    static let day = 86_400_000

    /// A step attempt's `timeout`: at most 30 days (an approval step waits at most this long).
    public static let stepTimeout = DurationRange(1...(30 * day))
    /// `retry.initialBackoff` and `retry.maxBackoff`: at most a day between attempts.
    public static let retryBackoff = DurationRange(0...day)
    /// The Organization's `controller.pollInterval`: from a second (not a busy loop) to a day.
    public static let pollInterval = DurationRange(second...day)
    /// A Routine's `startingDeadline`: at most 400 days, enough for a yearly schedule.
    public static let startingDeadline = DurationRange(0...(400 * day))
    /// A ToolServer's `timeout` for one call: from a second to an hour (a step's own timeout still
    /// bounds every call).
    public static let toolCallTimeout = DurationRange(second...(3_600 * second))
    /// A Notification's `reminderInterval`: from a minute (a page per pass is noise, not a
    /// reminder) to 30 days.
    public static let notificationReminder = DurationRange((60 * second)...(30 * day))
}

extension DurationText {
    /// `milliseconds` in the largest unit that divides it: `30d`, `90s`, `250ms`.
    public static func format(_ milliseconds: Int) -> String {
        for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds != 0 && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return milliseconds == 0 ? "0s" : "\(milliseconds)ms"
    }
}
