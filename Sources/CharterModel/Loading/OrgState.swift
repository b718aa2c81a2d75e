/// A whole organization: every resource of one revision (desired) or of the store (actual),
/// with typed views by kind.
public struct OrgState: Sendable {
    public private(set) var resources: [ResourceID: Resource]
    public private(set) var organization: Organization?
    public private(set) var people: [String: Person] = [:]
    public private(set) var teams: [String: Team] = [:]
    public private(set) var roles: [String: Role] = [:]
    public private(set) var boards: [String: Board] = [:]
    public private(set) var policies: [String: Policy] = [:]
    public private(set) var templates: [String: Template] = [:]
    public private(set) var routines: [String: Routine] = [:]
    public private(set) var capacitySources: [String: CapacitySource] = [:]
    public private(set) var toolServers: [String: ToolServer] = [:]
    public private(set) var notifications: [String: NotificationRoute] = [:]
    /// Team name → every member, from both `Team.members` and `Person.teams`.
    private var teamMembers: [String: Set<String>] = [:]

    /// An organization with no resources: the state before the first apply.
    public static let empty = OrgState(resources: [:])

    public init(resources: [ResourceID: Resource]) {
        self.resources = resources
        for (id, r) in resources { setView(id, r) }
        indexTeams()
    }

    /// Replaces, adds or removes the resources with these identities (nil removes), updating only
    /// their typed views: a reload after one changed file does not rebuild every view.
    public mutating func update(_ changes: [ResourceID: Resource?]) {
        for (id, r) in changes {
            resources[id] = r
            if let r { setView(id, r) } else { removeView(id) }
        }
        indexTeams()
    }

    private mutating func setView(_ id: ResourceID, _ r: Resource) {
        let s = r.spec
        switch id.kind {
        case .organization: organization = Organization(name: id.name, spec: s)
        case .person: people[id.name] = Person(name: id.name, spec: s)
        case .team: teams[id.name] = Team(name: id.name, spec: s)
        case .role: roles[id.name] = Role(name: id.name, spec: s)
        case .board: boards[id.name] = Board(name: id.name, spec: s)
        case .policy: policies[id.name] = Policy(name: id.name, spec: s)
        case .template: templates[id.name] = Template(name: id.name, spec: s)
        case .routine: routines[id.name] = Routine(name: id.name, spec: s)
        case .capacitySource: capacitySources[id.name] = CapacitySource(name: id.name, spec: s)
        case .toolServer: toolServers[id.name] = ToolServer(name: id.name, spec: s)
        case .notification: notifications[id.name] = NotificationRoute(name: id.name, spec: s)
        }
    }

    private mutating func removeView(_ id: ResourceID) {
        switch id.kind {
        case .organization:
            if organization?.name == id.name {
                organization = resources.first { $0.key.kind == .organization }.map {
                    Organization(name: $0.key.name, spec: $0.value.spec)
                }
            }
        case .person: people[id.name] = nil
        case .team: teams[id.name] = nil
        case .role: roles[id.name] = nil
        case .board: boards[id.name] = nil
        case .policy: policies[id.name] = nil
        case .template: templates[id.name] = nil
        case .routine: routines[id.name] = nil
        case .capacitySource: capacitySources[id.name] = nil
        case .toolServer: toolServers[id.name] = nil
        case .notification: notifications[id.name] = nil
        }
    }

    private mutating func indexTeams() {
        teamMembers = [:]
        for (name, t) in teams { teamMembers[name, default: []].formUnion(t.members) }
        for (name, p) in people {
            for t in p.teams { teamMembers[t, default: []].insert(name) }
        }
    }

    /// The resource with this identity.
    public subscript(id: ResourceID) -> Resource? { resources[id] }

    /// Whether a resource of `kind` named `name` exists.
    public func contains(_ kind: ResourceKind, _ name: String) -> Bool { resources[ResourceID(kind, name)] != nil }

    /// Identities in dependency order, then by name.
    public var sortedIDs: [ResourceID] { resources.keys.sorted() }

    /// Every member of a team: listed members plus people naming the team.
    public func members(ofTeam team: String) -> Set<String> {
        teamMembers[team] ?? []
    }

    /// The people on a board, teams expanded, each once.
    public func roster(ofBoard board: String) -> Set<String> {
        guard let b = boards[board] else { return [] }
        var out: Set<String> = []
        for m in b.members {
            switch m {
            case .person(let p): out.insert(p)
            case .team(let t): out.formUnion(members(ofTeam: t))
            }
        }
        return out
    }

    /// Number of resources of each kind.
    public func count(of kind: ResourceKind) -> Int { resources.keys.lazy.filter { $0.kind == kind }.count }
}
