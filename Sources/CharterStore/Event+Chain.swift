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

    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-21T06:05:00.123Z`, as hashed and written.
    public static func timestamp(_ date: Date) -> String { EventLog.timestamp(date) }

    /// The date of a timestamp in exactly the form `timestamp(_:)` writes, chosen so that
    /// `timestamp(date(fromTimestamp: t)!) == t`; nil for any other text.
    public static func date(fromTimestamp text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 24, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "."),
            b[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let millis = number(20..<23), (1...12).contains(month), (1...31).contains(day), hour < 24,
            minute < 60, second < 60
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        let ms = Double(Int64(seconds) * 1000 + Int64(millis))
        // The exact millisecond when it survives Date's own rounding, else the middle of the millisecond,
        // which `timestamp` (rounding down) always maps back.
        var date = Date(timeIntervalSince1970: ms / 1000)
        if timestamp(date) != text { date = Date(timeIntervalSince1970: (ms + 0.5) / 1000) }
        // Also rejects days the calendar lacks (Feb 30), which timegm silently normalizes.
        return timestamp(date) == text ? date : nil
    }
}
