import Foundation

extension Proposal {
    /// The JSON form people and tools read — `proposals/<id>/proposal.json` on the status branch and
    /// `charter show|proposals -o json` — one encoding for all: sorted keys, indented, ISO 8601 UTC
    /// times with milliseconds (`2026-11-21T06:05:00.123Z`), the precision a proposal keeps, so the
    /// file decodes back (``decodeJSON(_:)``) to exactly the proposal that was written.
    public static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(ISOMilliseconds.string(date))
        }
        return try encoder.encode(value)
    }

    /// A proposal from its ``json(_:)`` form; times without milliseconds are accepted too.
    public static func decodeJSON(_ data: Data) throws -> Proposal {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = ISOMilliseconds.date(text) else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "`\(text)` is not an ISO 8601 UTC time such as 2026-11-21T06:05:00.123Z")
            }
            return date
        }
        return try decoder.decode(Proposal.self, from: data)
    }
}

/// ISO 8601 UTC with milliseconds, computed on whole milliseconds so that a date rounded by
/// ``Proposal/milliseconds(_:)`` survives the round trip bit for bit.
enum ISOMilliseconds {
    static func string(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(ms.floorDivided(by: 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec),
            Int(ms - ms.floorDivided(by: 1000) * 1000))
    }

    static func date(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 20 || b.count == 24, b.last == UInt8(ascii: "Z"), b[4] == UInt8(ascii: "-"),
            b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"),
            b[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        var millis = 0
        if b.count == 24 {
            guard b[19] == UInt8(ascii: "."), let m = number(20..<23) else { return nil }
            millis = m
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let ms = Int64(timegm(&parts)) * 1000 + Int64(millis)
        return Date(timeIntervalSince1970: Double(ms) / 1000)
    }
}

extension Int64 {
    fileprivate func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
