import CharterModel
import CharterPlan
import Foundation

/// A board whose approval a proposal needs, with its roster, quorum rule and veto as they were
/// in the actual state when the proposal was created. Later board edits never change it.
public struct RequiredBoard: Sendable, Hashable, Codable {
    /// The board's name.
    public var board: String
    /// The people on the board (teams expanded), sorted.
    public var roster: [String]
    /// The board's quorum rule.
    public var quorum: Board.QuorumRule
    /// Whether one reject rejects.
    public var veto: Bool
    /// The rules that require this board (`policy/rule`).
    public var requiredBy: [String]

    /// A required board from its parts.
    public init(board: String, roster: [String], quorum: Board.QuorumRule, veto: Bool, requiredBy: [String]) {
        self.board = board
        self.roster = roster.sorted()
        self.quorum = quorum
        self.veto = veto
        self.requiredBy = requiredBy
    }

    /// The requirement routing produced, frozen.
    public init(_ requirement: BoardRequirement) {
        self.init(
            board: requirement.board, roster: Array(requirement.roster), quorum: requirement.quorum,
            veto: requirement.veto, requiredBy: requirement.requiredBy.map(\.description))
    }

    /// An empty tally of this board, without `ineligible` voters.
    public func tally(ineligible: [String: String]) -> BoardTally {
        BoardTally(board: board, rule: quorum, veto: veto, roster: Set(roster), ineligible: ineligible)
    }

    /// The quorum rule as text: `unanimous`, `majority`, `atLeast 2`, `percent 60`.
    public var quorumText: String {
        switch quorum {
        case .unanimous: "unanimous"
        case .majority: "majority"
        case .atLeast(let n): "atLeast \(n)"
        case .percent(let p): "percent \(p)"
        }
    }

    private enum CodingKeys: String, CodingKey { case board, roster, quorum, veto, requiredBy }
    private enum QuorumKeys: String, CodingKey { case rule, count, percent }

    /// Decodes the board; `quorum` has the shape of a Board's `spec.quorum` (without `veto`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        board = try c.decode(String.self, forKey: .board)
        roster = try c.decode([String].self, forKey: .roster)
        veto = try c.decode(Bool.self, forKey: .veto)
        requiredBy = try c.decode([String].self, forKey: .requiredBy)
        let q = try c.nestedContainer(keyedBy: QuorumKeys.self, forKey: .quorum)
        switch try q.decode(String.self, forKey: .rule) {
        case "unanimous": quorum = .unanimous
        case "majority": quorum = .majority
        case "atLeast": quorum = .atLeast(try q.decode(Int.self, forKey: .count))
        case "percent": quorum = .percent(try q.decode(Int.self, forKey: .percent))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .rule, in: q, debugDescription: "unknown rule \(other)")
        }
    }

    /// Encodes the board; `quorum` has the shape of a Board's `spec.quorum` (without `veto`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(board, forKey: .board)
        try c.encode(roster, forKey: .roster)
        try c.encode(veto, forKey: .veto)
        try c.encode(requiredBy, forKey: .requiredBy)
        var q = c.nestedContainer(keyedBy: QuorumKeys.self, forKey: .quorum)
        switch quorum {
        case .unanimous: try q.encode("unanimous", forKey: .rule)
        case .majority: try q.encode("majority", forKey: .rule)
        case .atLeast(let n):
            try q.encode("atLeast", forKey: .rule)
            try q.encode(n, forKey: .count)
        case .percent(let p):
            try q.encode("percent", forKey: .rule)
            try q.encode(p, forKey: .percent)
        }
    }
}
