import Foundation

/// RFC 3339 timestamps, the one codec for every time Charter writes as text: event hashes chain
/// over them and signed vote documents contain them, so each form below is fixed to the byte.
///
/// Written out rather than delegated to Foundation's formatters so that the accepted forms are
/// exactly the documented ones on every platform, an impossible date (30 February) is refused
/// instead of rolled over, and no formatter (costly to create, not `Sendable`) is shared. Dates are
/// proleptic Gregorian, as RFC 3339 says.
public enum Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z` or `±HH:MM`: what users type.
    ///
    /// `T` may also be `t` or a space and `Z` may be `z`, as RFC 3339 allows. The offset is
    /// required: a time without one names no instant.
    public static func parse(_ text: String) -> Date? {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.digits(4), scanner.take("-"), let month = scanner.digits(2), scanner.take("-"),
            let day = scanner.digits(2), scanner.take(oneOf: "Tt "), let hour = scanner.digits(2), scanner.take(":"),
            let minute = scanner.digits(2)
        else { return nil }
        var second = 0
        var fraction = 0.0
        if scanner.take(":") {
            guard let s = scanner.digits(2) else { return nil }
            second = s
            if scanner.take(".") {
                guard let f = scanner.fraction() else { return nil }
                fraction = f
            }
        }
        let offset: Int
        if scanner.take(oneOf: "Zz") {
            offset = 0
        } else if let sign = scanner.sign(), let h = scanner.digits(2), scanner.take(":"), let m = scanner.digits(2),
            h <= 23, m <= 59
        {
            offset = sign * (h * 3_600 + m * 60)
        } else {
            return nil
        }
        // Leap seconds (:60) are refused: they name no instant a cron schedule can hit.
        guard scanner.atEnd,
            let wall = CivilCalendar.seconds(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(wall - offset) + fraction)
    }

    /// Parses exactly the form ``utc(_:)`` writes, `2026-11-23T14:00:00Z`, and nothing else: the
    /// form of a signed vote's time.
    public static func parseUTC(_ text: String) -> Date? {
        guard let fields = strictFields(text), fields.milliseconds == nil else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(fields.seconds))
    }

    /// Parses exactly the form ``utcMilliseconds(_:rounding:)`` writes, `2026-11-21T06:05:00.123Z`,
    /// and nothing else, into a date that `utcMilliseconds(_:rounding:)` with the same `rounding`
    /// writes back as `text`: the exact millisecond when it survives `Date`'s binary fraction,
    /// else the middle of the millisecond (which rounding down maps back). Nil for text that would
    /// not come back the same, such as a year outside 0001–9999.
    public static func parseUTCMilliseconds(
        _ text: String, rounding: FloatingPointRoundingRule = .down
    ) -> Date? {
        guard let fields = strictFields(text), let milliseconds = fields.milliseconds else { return nil }
        let ms = Double(fields.seconds * 1_000 + milliseconds)
        return [ms, ms + 0.5].lazy.map { Date(timeIntervalSince1970: $0 / 1_000) }
            .first { utcMilliseconds($0, rounding: rounding) == text }
    }

    /// `2026-11-23T14:00:00Z`; fractions of a second are dropped.
    public static func utc(_ date: Date) -> String {
        format(seconds: wholeSeconds(date), offset: 0)
    }

    /// `2026-11-21T06:05:00.123Z`: the date to the millisecond by `rounding` (the event log rounds
    /// down; a proposal, whose times are whole milliseconds already, to nearest). Clamped to the
    /// years 0001–9999, so no date, even one read from a damaged database, traps.
    public static func utcMilliseconds(_ date: Date, rounding: FloatingPointRoundingRule = .down) -> String {
        let ms = Int(
            min(
                max((date.timeIntervalSince1970 * 1_000).rounded(rounding), -62_135_596_800_000),
                253_402_300_799_999))
        let seconds = ms.floorDivided(by: 1_000)
        return format(seconds: seconds, offset: 0, milliseconds: ms - seconds * 1_000)
    }

    /// ISO 8601's basic format in UTC, `20261123T140005Z`: the form in run ids. With
    /// `omittingZeroSeconds`, a time on the minute is `20261123T1400Z`.
    public static func utcBasic(_ date: Date, omittingZeroSeconds: Bool) -> String {
        let c = CivilCalendar.dateAndTime(fromSeconds: wholeSeconds(date))
        let seconds = !omittingZeroSeconds || c.second != 0 ? pad(c.second, 2) : ""
        return "\(pad(c.year, 4))\(pad(c.month, 2))\(pad(c.day, 2))T\(pad(c.hour, 2))\(pad(c.minute, 2))\(seconds)Z"
    }

    /// The wall time in `zone` with its offset, such as `2026-03-29T03:00:00+02:00`.
    public static func local(_ date: Date, in zone: TimeZone) -> String {
        format(seconds: wholeSeconds(date), offset: zone.secondsFromGMT(for: date))
    }

    /// The three-letter English weekday of the wall time in `zone`, such as `Sun`.
    public static func weekday(_ date: Date, in zone: TimeZone) -> String {
        let days = (wholeSeconds(date) + zone.secondsFromGMT(for: date)).floorDivided(by: 86_400)
        // 1970-01-01 was a Thursday.
        return ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.floorModulo(7)]
    }

    /// Seconds since 1970 and the milliseconds, if written, of exactly `YYYY-MM-DDTHH:MM:SS[.mmm]Z`
    /// naming a real time; nil for anything else.
    static func strictFields(_ text: String) -> (seconds: Int, milliseconds: Int?)? {
        let b = Array(text.utf8)
        guard b.count == 20 || b.count == 24, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            b[b.count - 1] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
                n = n * 10 + Int(b[i] - UInt8(ascii: "0"))
            }
            return n
        }
        var milliseconds: Int?
        if b.count == 24 {
            guard b[19] == UInt8(ascii: "."), let ms = number(20..<23) else { return nil }
            milliseconds = ms
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let seconds = CivilCalendar.seconds(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return (seconds, milliseconds)
    }

    static func wholeSeconds(_ date: Date) -> Int {
        Int(date.timeIntervalSince1970.rounded(.down))
    }

    /// `YYYY-MM-DDTHH:MM:SS[.mmm]` and the zone (`Z` or `±HH:MM`) of the wall time `offset` seconds
    /// ahead of UTC.
    static func format(seconds: Int, offset: Int, milliseconds: Int? = nil) -> String {
        let wall = seconds + offset
        let c = CivilCalendar.dateAndTime(fromSeconds: wall)
        let zone: String
        if offset == 0 {
            zone = "Z"
        } else {
            // Offsets with seconds (local mean time before 1900) are shown to the minute, as RFC 3339 requires.
            let minutes = abs(offset) / 60
            zone = (offset < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
        }
        let fraction = milliseconds.map { "." + pad($0, 3) } ?? ""
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):"
            + "\(pad(c.second, 2))\(fraction)\(zone)"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Reads ASCII bytes left to right; every method consumes only on success.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ character: Character) -> Bool { take(oneOf: String(character)) }

    mutating func take(oneOf characters: String) -> Bool {
        guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
        index += 1
        return true
    }

    mutating func digits(_ count: Int) -> Int? {
        guard index + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[index..<index + count] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += count
        return value
    }

    /// Digits after a decimal point, as a fraction of one; nanoseconds are the most that matter.
    mutating func fraction() -> Double? {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        guard index > start else { return nil }
        let text = String(decoding: bytes[start..<min(index, start + 9)], as: UTF8.self)
        return Double("0." + text)
    }

    mutating func sign() -> Int? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}
