import CharterModel
import CharterPlan
import Foundation

/// Where a proposal's desired state comes from.
public enum ProposalSource: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The tip of the watched branch (such as `main`): its change set against the actual state.
    case branch(String)
    /// A proposal branch `proposals/NAME` (the associated value is `NAME`): a change against the
    /// watched branch, merged into it once approved.
    case proposalBranch(String)

    /// A stable key for storage and lookups: `branch:main`, `proposal:NAME`.
    public var key: String {
        switch self {
        case .branch(let name): "branch:" + name
        case .proposalBranch(let name): "proposal:" + name
        }
    }

    /// Parses ``key``.
    public init?(key: String) {
        if key.hasPrefix("branch:"), key.count > 7 {
            self = .branch(String(key.dropFirst(7)))
        } else if key.hasPrefix("proposal:"), key.count > 9 {
            self = .proposalBranch(String(key.dropFirst(9)))
        } else {
            return nil
        }
    }

    /// `branch main` or `proposal branch NAME`.
    public var description: String {
        switch self {
        case .branch(let name): "branch \(name)"
        case .proposalBranch(let name): "proposal branch \(name)"
        }
    }

    /// Decodes ``key``.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let source = ProposalSource(key: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a proposal source: \(text)"))
        }
        self = source
    }

    /// Encodes ``key``.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(key)
    }
}
