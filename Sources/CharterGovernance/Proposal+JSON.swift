import Foundation

extension Proposal {
    /// The JSON form people and tools read — `proposals/<id>/proposal.json` on the status branch and
    /// `charter show|proposals -o json` — one encoding for all: sorted keys, indented, ISO 8601 times.
    public static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }
}
