import CharterFoundation
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
            // To nearest: a date rounded by `Proposal.milliseconds(_:)` survives the round trip bit for bit.
            try c.encode(Timestamp.utcMilliseconds(date, rounding: .toNearestOrAwayFromZero))
        }
        return try encoder.encode(value)
    }

    /// A proposal from its ``json(_:)`` form; times without milliseconds are accepted too.
    public static func decodeJSON(_ data: Data) throws -> Proposal {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard
                let date = Timestamp.parseUTCMilliseconds(text, rounding: .toNearestOrAwayFromZero)
                    ?? Timestamp.parseUTC(text)
            else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "`\(text)` is not an ISO 8601 UTC time such as 2026-11-21T06:05:00.123Z")
            }
            return date
        }
        return try decoder.decode(Proposal.self, from: data)
    }
}
