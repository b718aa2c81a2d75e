/// The eleven kinds of resource an organization repository holds.
public enum ResourceKind: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    case organization = "Organization"
    case person = "Person"
    case team = "Team"
    case role = "Role"
    case board = "Board"
    case policy = "Policy"
    case template = "Template"
    case routine = "Routine"
    case capacitySource = "CapacitySource"
    case toolServer = "ToolServer"
    case notification = "Notification"

    /// Kinds in dependency order: what others refer to comes first. Plans list creates in this
    /// order and deletes in reverse, so a reader sees a team before the board that names it.
    public static let dependencyOrder: [ResourceKind] = [
        .organization, .capacitySource, .toolServer, .role, .person, .team, .board, .policy, .template, .routine,
        .notification,
    ]

    /// Position in ``dependencyOrder``.
    public var rank: Int { Self.dependencyOrder.firstIndex(of: self)! }

    public static func < (lhs: ResourceKind, rhs: ResourceKind) -> Bool { lhs.rank < rhs.rank }

    /// Looks a kind up by name, ignoring case (`team`, `Team`, `teams` are all accepted by the CLI).
    public init?(loose name: String) {
        var lower = name.lowercased().replacingOccurrences(of: "-", with: "")
        let irregular = ["people": "person", "policies": "policy", "capacitysources": "capacitysource"]
        lower = irregular[lower] ?? lower
        let singular = lower.hasSuffix("s") && lower != "s" ? String(lower.dropLast()) : lower
        guard
            let kind = Self.allCases.first(where: {
                $0.rawValue.lowercased() == lower || $0.rawValue.lowercased() == singular
            })
        else { return nil }
        self = kind
    }
}

/// A resource's identity: `kind/name`, unique in a revision.
public struct ResourceID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var kind: ResourceKind
    public var name: String

    public init(_ kind: ResourceKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    /// Parses `Kind/name`.
    public init?(_ string: String) {
        let parts = string.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let kind = ResourceKind(loose: String(parts[0])) else { return nil }
        self.init(kind, String(parts[1]))
    }

    public var description: String { "\(kind.rawValue)/\(name)" }

    /// Dependency order of kinds, then names.
    public static func < (lhs: ResourceID, rhs: ResourceID) -> Bool {
        lhs.kind != rhs.kind ? lhs.kind < rhs.kind : lhs.name < rhs.name
    }
}
