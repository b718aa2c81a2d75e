/// Typed views of the kinds, read from validated, defaulted values (ToolServer has its own file).
///
/// Reading cannot fail: the schema has already checked every field, so a missing required field
/// here is a programming error, and optional fields are optionals.

/// The company: exactly one per repository.
public struct Organization: Sendable, Hashable {
    public var name: String
    public var displayName: String
    public var description: String?
    public var timeZone: String
    public var branch: String
    public var statusBranch: String
    public var proposalBranchPrefix: String
    /// Poll interval in milliseconds.
    public var pollIntervalMilliseconds: Int
    public var requireSignedVotes: Bool
    public var massRemovalPercent: Int
    /// `spec.endpoints.allowCIDRs`: the non-public networks CapacitySource endpoints and
    /// ToolServer URLs may reach (see ``OutboundAddressRules``). Entries that do not parse are
    /// left out here; validation reports them.
    public var endpointNetworks: [IPNetwork]

    public init(name: String, spec s: Value) {
        self.name = name
        displayName = s["displayName"]?.string ?? name
        description = s["description"]?.string
        timeZone = s["timeZone"]?.string ?? "UTC"
        branch = s["controller"]?["branch"]?.string ?? "main"
        statusBranch = s["controller"]?["statusBranch"]?.string ?? "charter/status"
        proposalBranchPrefix = s["controller"]?["proposalBranchPrefix"]?.string ?? "proposals/"
        // Clamped: an applied state from before the schema bounded durations may hold any value.
        pollIntervalMilliseconds = DurationRange.pollInterval.clamp(
            DurationText.parse(s["controller"]?["pollInterval"]?.string ?? "1m") ?? 60_000)
        requireSignedVotes = s["governance"]?["requireSignedVotes"]?.bool ?? true
        massRemovalPercent = s["governance"]?["massRemovalPercent"]?.int ?? 25
        endpointNetworks = (s["endpoints"]?["allowCIDRs"]?.strings ?? []).compactMap { try? IPNetwork($0) }
    }
}

/// A human or an agent.
public struct Person: Sendable, Hashable {
    public enum Kind: String, Sendable { case human, agent }
    public var name: String
    public var displayName: String
    public var type: Kind
    public var email: String?
    public var chat: String?
    public var role: String?
    public var teams: [String]
    public var manager: String?
    public var sshKeys: [String]

    public init(name: String, spec s: Value) {
        self.name = name
        displayName = s["displayName"]?.string ?? name
        type = Kind(rawValue: s["type"]?.string ?? "human") ?? .human
        email = s["email"]?.string
        chat = s["chat"]?.string
        role = s["role"]?.string
        teams = s["teams"]?.strings ?? []
        manager = s["manager"]?.string
        sshKeys = s["sshKeys"]?.strings ?? []
    }
}

/// A group of people under a parent team.
public struct Team: Sendable, Hashable {
    public var name: String
    public var displayName: String
    public var description: String?
    public var parent: String?
    public var lead: String?
    public var members: [String]

    public init(name: String, spec s: Value) {
        self.name = name
        displayName = s["displayName"]?.string ?? name
        description = s["description"]?.string
        parent = s["parent"]?.string
        lead = s["lead"]?.string
        members = s["members"]?.strings ?? []
    }
}

/// Daily spending limits.
public struct Budget: Sendable, Hashable {
    public var tokensPerDay: Int?
    public var costPerDay: Double?

    public init?(_ v: Value?) {
        guard let v else { return nil }
        tokensPerDay = v["tokensPerDay"]?.int
        costPerDay = v["costPerDay"]?.double
    }
}

/// What an agent in a role may do.
public struct Role: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var capacityClass: String
    public var model: String?
    public var systemPrompt: String
    public var allowedStepTypes: [String]
    public var tools: [String]
    public var budget: Budget?

    public init(name: String, spec s: Value) {
        self.name = name
        description = s["description"]?.string
        capacityClass = s["capacityClass"]?.string ?? ""
        model = s["model"]?.string
        systemPrompt = s["systemPrompt"]?.string ?? ""
        allowedStepTypes = s["allowedStepTypes"]?.strings ?? ["agent"]
        tools = s["tools"]?.strings ?? []
        budget = Budget(s["budget"])
    }
}

/// An approval board.
public struct Board: Sendable, Hashable {
    /// A board seat: one person, or every member of a team.
    public enum Member: Sendable, Hashable {
        case person(String)
        case team(String)
    }
    /// How many approvals decide.
    public enum QuorumRule: Sendable, Hashable {
        case unanimous
        case majority
        case atLeast(Int)
        case percent(Int)
    }
    public var name: String
    public var displayName: String
    public var description: String?
    public var members: [Member]
    public var rule: QuorumRule
    public var veto: Bool

    public init(name: String, spec s: Value) {
        self.name = name
        displayName = s["displayName"]?.string ?? name
        description = s["description"]?.string
        members = (s["members"]?.array ?? []).compactMap { m in
            if let p = m["person"]?.string { return .person(p) }
            if let t = m["team"]?.string { return .team(t) }
            return nil
        }
        let q = s["quorum"]
        switch q?["rule"]?.string {
        case "majority": rule = .majority
        case "atLeast": rule = .atLeast(q?["count"]?.int ?? 1)
        case "percent": rule = .percent(q?["percent"]?.int ?? 100)
        default: rule = .unanimous
        }
        veto = q?["veto"]?.bool ?? false
    }
}

/// A rule of a Policy routing changes to boards.
public struct ChangeRule: Sendable, Hashable {
    public var name: String
    public var kinds: [String]
    public var names: [String]
    public var labels: [String: String]
    public var fields: [String]
    public var operations: [String]
    public var action: String
    public var boards: [String]
    public var allowGuards: [String]

    public init(_ v: Value) {
        name = v["name"]?.string ?? ""
        let m = v["match"]
        kinds = m?["kinds"]?.strings ?? []
        names = m?["names"]?.strings ?? []
        labels = m?["labels"]?.stringMap ?? [:]
        fields = m?["fields"]?.strings ?? []
        operations = m?["operations"]?.strings ?? []
        action = v["action"]?.string ?? "require"
        boards = v["boards"]?.strings ?? []
        allowGuards = v["allowGuards"]?.strings ?? []
    }
}

/// Change rules and run-time rules.
public struct Policy: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var changeRules: [ChangeRule]
    public var allowedTools: [String]
    public var deniedTools: [String]
    /// Tool calls that wait for a board's signed approval before they run.
    public var toolApprovals: [ToolApprovalRule]
    public var allowedPaths: [String]
    public var deniedPaths: [String]
    /// `host:port` patterns steps may connect to (``NetworkRule`` text), and patterns they may not.
    public var allowedNetwork: [String]
    public var deniedNetwork: [String]
    /// Names of secrets steps may ask for (`*` wildcards), and names they may not.
    public var allowedSecrets: [String]
    public var deniedSecrets: [String]
    /// Whether a step may run without a sandbox where bubblewrap does not work.
    public var allowUnsandboxed: Bool
    public var budget: Budget?

    public init(name: String, spec s: Value) {
        self.name = name
        description = s["description"]?.string
        changeRules = (s["changeRules"]?.array ?? []).map(ChangeRule.init)
        let run = s["runRules"]
        allowedTools = run?["tools"]?["allow"]?.strings ?? []
        deniedTools = run?["tools"]?["deny"]?.strings ?? []
        toolApprovals = (run?["tools"]?["requireApproval"]?.array ?? []).map { rule in
            ToolApprovalRule(
                policy: name, tools: rule["tools"]?.strings ?? [], board: rule["board"]?.string ?? "",
                exceptPaths: rule["exceptPaths"]?.strings ?? [])
        }
        allowedPaths = run?["paths"]?["allow"]?.strings ?? []
        deniedPaths = run?["paths"]?["deny"]?.strings ?? []
        allowedNetwork = run?["network"]?["allow"]?.strings ?? []
        deniedNetwork = run?["network"]?["deny"]?.strings ?? []
        allowedSecrets = run?["secrets"]?["allow"]?.strings ?? []
        deniedSecrets = run?["secrets"]?["deny"]?.strings ?? []
        allowUnsandboxed = run?["allowUnsandboxed"]?.bool ?? false
        budget = Budget(run?["budget"])
    }
}
