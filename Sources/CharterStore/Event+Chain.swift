import CharterFoundation
import CharterModel
import Foundation

// The event chain's rules, public so the status branch can write and read events in the same shape as
// the store (see `EventLog`): one hash function, one timestamp format, one id rule.

extension Event {
    /// The `prev` of the first event of a chain: 64 zeros.
    public static let genesisHash = EventLog.genesis

    /// An event from its stored fields, as read back from an events file; nothing is checked here (see
    /// `verifyChain`). A factory rather than an initializer: the struct's own memberwise one is internal.
    public static func stored(
        sequence: Int, id: String, type: String, time: Date, actor: String, data: Value, previousHash: String,
        hash: String
    ) -> Event {
        Event(
            sequence: sequence, id: id, type: type, time: time, actor: actor, data: data, previousHash: previousHash,
            hash: hash)
    }

    /// A new event chained after the one whose hash is `previousHash`: computes its hash and id.
    public static func chained(
        sequence: Int, type: String, time: Date, actor: String, data: Value, previousHash: String
    ) -> Event {
        let hash = EventLog.hash(
            sequence: sequence, type: type, time: time, actor: actor, data: data, previous: previousHash)
        return Event(
            sequence: sequence, id: identifier(forHash: hash), type: type, time: time, actor: actor, data: data,
            previousHash: previousHash, hash: hash)
    }

    /// The deterministic id of the event with hash `hash`: `ev-` and the hash's first 24 hex digits.
    public static func identifier(forHash hash: String) -> String { "ev-" + String(hash.prefix(24)) }

    /// The chain hash of an event whose time is already text: SHA-256 over the canonical event without
    /// its hash and id, the previous hash included. Equals the hash the store computes from a `Date`
    /// when `timestamp == Event.timestamp(time)`.
    public static func chainHash(
        sequence: Int, type: String, timestamp: String, actor: String, data: Value, previousHash: String
    ) -> String {
        let body: Value = [
            "seq": .int(sequence), "type": .string(type), "time": .string(timestamp), "actor": .string(actor),
            "data": data, "prev": .string(previousHash),
        ]
        return CanonicalJSON.sha256(body)
    }

    /// RFC 3339 UTC with milliseconds (rounded down), e.g. `2026-11-21T06:05:00.123Z`, as hashed
    /// and written: ``Timestamp/utcMilliseconds(_:rounding:)``.
    public static func timestamp(_ date: Date) -> String { Timestamp.utcMilliseconds(date) }

    /// The date of a timestamp in exactly the form `timestamp(_:)` writes, chosen so that
    /// `timestamp(date(fromTimestamp: t)!) == t`; nil for any other text.
    public static func date(fromTimestamp text: String) -> Date? { Timestamp.parseUTCMilliseconds(text) }
}
