import CharterFoundation
import Foundation

/// What the scheduler remembers about one routine between passes; the caller persists it.
///
/// Persist the state that ``Scheduler/decide(_:state:now:activeRunIDs:)`` returns in the same
/// transaction that creates the run it decided on: then a crash leaves either both or neither, and
/// a tick is never started twice. Times are whole seconds (every tick is), so the JSON encoding,
/// RFC 3339 strings in UTC, loses nothing whatever date strategy the encoder is set to.
public struct ScheduleState: Sendable, Hashable, Codable {
    /// The last tick that was started or deliberately skipped, or, before any tick, when the routine
    /// was first seen. Only ticks strictly after it are due.
    public var lastScheduledTime: Date
    /// The run started for the most recent tick that was started.
    public var lastStartedRunID: String?
    /// The most recent tick that was skipped, and why.
    public var lastSkipped: SkippedTick?

    /// The state of a routine seen for the first time at `firstSeen` (when it was applied, like a
    /// CronJob's creationTimestamp): ticks before that moment are history, never backfilled.
    ///
    /// Fractions of a second are dropped: every tick is a whole second, and the seconds before a
    /// routine existed cannot hold one of its ticks.
    public init(firstSeen: Date) {
        lastScheduledTime = Date(timeIntervalSince1970: firstSeen.timeIntervalSince1970.rounded(.down))
    }

    /// A state with every field given, for tests and stores.
    public init(lastScheduledTime: Date, lastStartedRunID: String? = nil, lastSkipped: SkippedTick? = nil) {
        self.lastScheduledTime = lastScheduledTime
        self.lastStartedRunID = lastStartedRunID
        self.lastSkipped = lastSkipped
    }

    private enum CodingKeys: String, CodingKey { case lastScheduledTime, lastStartedRunID, lastSkipped }

    /// Decodes the JSON shape `encode(to:)` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lastScheduledTime = try c.decodeTimestamp(forKey: .lastScheduledTime)
        lastStartedRunID = try c.decodeIfPresent(String.self, forKey: .lastStartedRunID)
        lastSkipped = try c.decodeIfPresent(SkippedTick.self, forKey: .lastSkipped)
    }

    /// `{"lastScheduledTime": "2026-11-23T14:00:00Z", "lastStartedRunID": …, "lastSkipped": …}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Timestamp.utc(lastScheduledTime), forKey: .lastScheduledTime)
        try c.encodeIfPresent(lastStartedRunID, forKey: .lastStartedRunID)
        try c.encodeIfPresent(lastSkipped, forKey: .lastSkipped)
    }
}

extension KeyedDecodingContainer {
    func decodeTimestamp(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "`\(text)` is not an RFC 3339 timestamp")
        }
        return date
    }
}
