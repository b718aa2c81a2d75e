import CharterModel
import CharterPlan
import Foundation

/// A proposal's readable, stable id: `P-0001`, `P-0002`, … (`P-10000` after `P-9999`). The store
/// allocates the numbers in increasing order and never reuses one.
public struct ProposalID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The number, 1 or more.
    public let number: Int

    /// The id with `number`, which must be at least 1.
    public init(number: Int) {
        precondition(number >= 1, "proposal numbers start at 1")
        self.number = number
    }

    /// Parses `P-0007`; `nil` for anything that is not exactly the form ``description`` prints.
    public init?(_ text: String) {
        guard text.hasPrefix("P-"), let n = Int(text.dropFirst(2)), n >= 1,
            text.utf8.dropFirst(2).allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return nil }
        self.number = n
        guard description == text else { return nil }
    }

    /// `P-` and the number padded to four digits.
    public var description: String {
        let digits = String(number)
        return "P-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Number order.
    public static func < (lhs: ProposalID, rhs: ProposalID) -> Bool { lhs.number < rhs.number }

    /// Decodes the `P-0007` form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ProposalID(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a proposal id: \(text)"))
        }
        self = id
    }

    /// Encodes the `P-0007` form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
