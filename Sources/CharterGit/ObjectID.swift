import CGit2

/// A git object id (SHA-1) as 40 lowercase hex digits.
public struct ObjectID: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    /// 40 lowercase hex digits.
    public let hex: String

    /// Accepts 40 hex digits in either case; returns nil for anything else.
    public init?(hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 40, lower.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
        else { return nil }
        self.hex = lower
    }

    init(_ oid: UnsafePointer<git_oid>) {
        hex = withUnsafeBytes(of: oid.pointee.id) { bytes in
            String(unsafeUninitializedCapacity: 40) { out in
                let digits: StaticString = "0123456789abcdef"
                let table = digits.utf8Start
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = table[Int(byte >> 4)]
                    out[2 * index + 1] = table[Int(byte & 0x0f)]
                }
                return 40
            }
        }
    }

    init(_ oid: git_oid) {
        var copy = oid
        self.init(&copy)
    }

    /// The libgit2 representation; `hex` is always valid, so this cannot fail.
    var oid: git_oid {
        var result = git_oid()
        _ = hex.withCString { git_oid_fromstrn(&result, $0, 40) }
        return result
    }

    /// The first 7 hex digits, as `git log --oneline` shows them.
    public var short: String { String(hex.prefix(7)) }

    public var description: String { hex }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ObjectID(hex: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an object id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
