import CharterFoundation
import CharterModel
import Foundation

/// Run ids: readable, safe as a git path component and a command-line argument, and for scheduled
/// runs a pure function of the tick.
///
/// Because the id of a scheduled run depends only on (routine, tick), it doubles as a lock, as
/// Kubernetes uses a CronJob's job name: creating a run whose id already exists means the tick was
/// already started, so the second attempt must be dropped, not retried under another name.
public enum RunID {
    /// `ROUTINE-YYYYMMDDTHHMMZ`, the tick in UTC to the minute, such as `nightly-review-20261123T1400Z`.
    ///
    /// Seconds are appended (`…T140028Z`) only for a tick off the whole UTC minute, which only a
    /// zone's historical local mean time can produce, so that no two ticks share an id and the id
    /// always parses back to its exact tick.
    public static func scheduled(routine: String, at tick: Date) -> String {
        "\(routine)-\(compact(tick, minuteOnly: true))"
    }

    /// The routine and tick of a scheduled run id, or nil when `id` is not one.
    public static func parseScheduled(_ id: String) -> (routine: String, scheduledTime: Date)? {
        guard let dash = id.lastIndex(of: "-") else { return nil }
        let routine = String(id[..<dash])
        let stamp = Array(id[id.index(after: dash)...].utf8)
        // YYYYMMDD T HHMM [SS] Z
        guard !routine.isEmpty, stamp.count == 14 || stamp.count == 16, stamp[8] == UInt8(ascii: "T"),
            stamp.last == UInt8(ascii: "Z")
        else { return nil }
        let digits = Array(stamp[0..<8] + stamp[9..<stamp.count - 1])
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        // A seconds field of 00 is never written, so accepting it would give one tick two ids.
        if digits.count == 14 && digits[12] == UInt8(ascii: "0") && digits[13] == UInt8(ascii: "0") { return nil }
        func part(_ range: Range<Int>) -> String { String(decoding: digits[range], as: UTF8.self) }
        let seconds = digits.count == 14 ? part(12..<14) : "00"
        let text = "\(part(0..<4))-\(part(4..<6))-\(part(6..<8))T\(part(8..<10)):\(part(10..<12)):\(seconds)Z"
        guard let date = Timestamp.parse(text) else { return nil }
        return (routine, date)
    }

    /// `TEMPLATE-YYYYMMDDTHHMMSSZ-xxxxxx` for a run started on demand (`charter run TEMPLATE`).
    ///
    /// The suffix is the first 6 hex digits of the SHA-256 of the canonical JSON of template,
    /// arguments, time and `nonce`, so two requests in the same second differ as long as the
    /// caller's nonces do (a random value or a counter); the format never collides with a scheduled
    /// id. The caller supplies the time: nothing here reads a clock.
    public static func onDemand(template: String, arguments: [String: Value], at time: Date, nonce: String) -> String {
        let hash = CanonicalJSON.sha256([
            "template": .string(template), "arguments": .object(arguments),
            "timeMilliseconds": .int(Int((time.timeIntervalSince1970 * 1_000).rounded())), "nonce": .string(nonce),
        ])
        return "\(template)-\(compact(time, minuteOnly: false))-\(hash.prefix(6))"
    }

    /// `YYYYMMDDTHHMM[SS]Z` in UTC; seconds always when not `minuteOnly`, else only when non-zero.
    static func compact(_ date: Date, minuteOnly: Bool) -> String {
        Timestamp.utcBasic(date, omittingZeroSeconds: minuteOnly)
    }
}
