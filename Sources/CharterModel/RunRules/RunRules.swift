/// What every applied Policy's `runRules` say together, for steps about to run.
///
/// Several Policies combine the way cloud permission systems do: the allow-lists add up, the
/// deny-lists add up, and a deny wins over any allow. Network, secrets and tools need an allow
/// somewhere (nothing is allowed by default); paths are allowed by default, and once any Policy
/// has a `paths.allow` list, only what some allow-list matches is mounted.
public struct RunRules: Sendable, Hashable {
    /// Every Policy's `paths.allow` patterns.
    public var allowedPaths: [PathPattern]
    /// Every Policy's `paths.deny` patterns.
    public var deniedPaths: [PathPattern]
    /// Every Policy's `network.allow` entries, as written.
    public var allowedNetwork: [String]
    /// Every Policy's `network.deny` entries, as written.
    public var deniedNetwork: [String]
    /// Every Policy's `secrets.allow` name patterns.
    public var allowedSecrets: [String]
    /// Every Policy's `secrets.deny` name patterns.
    public var deniedSecrets: [String]
    /// Every Policy's `tools.allow` name patterns.
    public var allowedTools: [String]
    /// Every Policy's `tools.deny` name patterns.
    public var deniedTools: [String]
    /// Every Policy's `tools.requireApproval` rules.
    public var toolApprovals: [ToolApprovalRule]
    /// Whether some Policy lets steps run unsandboxed where bubblewrap does not work.
    public var allowUnsandboxed: Bool
    /// The Policies that said so, for the run record.
    public var unsandboxedBy: [String]

    /// The rules of `policies` (an organization with no Policy allows nothing that needs allowing).
    ///
    /// Patterns that do not parse are skipped: a loaded revision has had every one checked.
    public init(policies: [Policy]) {
        let sorted = policies.sorted { $0.name < $1.name }
        allowedPaths = sorted.flatMap(\.allowedPaths).compactMap { try? PathPattern($0) }
        deniedPaths = sorted.flatMap(\.deniedPaths).compactMap { try? PathPattern($0) }
        allowedNetwork = sorted.flatMap(\.allowedNetwork)
        deniedNetwork = sorted.flatMap(\.deniedNetwork)
        allowedSecrets = sorted.flatMap(\.allowedSecrets)
        deniedSecrets = sorted.flatMap(\.deniedSecrets)
        allowedTools = sorted.flatMap(\.allowedTools)
        deniedTools = sorted.flatMap(\.deniedTools)
        toolApprovals = sorted.flatMap(\.toolApprovals)
        unsandboxedBy = sorted.filter(\.allowUnsandboxed).map(\.name)
        allowUnsandboxed = !unsandboxedBy.isEmpty
    }

    /// The rules of the Policies in `state`.
    public init(_ state: OrgState) {
        self.init(policies: Array(state.policies.values))
    }

    /// Whether the sandbox may show `path` (absolute, inside the sandbox): no deny pattern matches
    /// it, and an allow pattern does when there are any.
    public func allowsPath(_ path: String) -> Bool {
        if deniedPaths.contains(where: { $0.matches(path) }) { return false }
        return allowedPaths.isEmpty || allowedPaths.contains { $0.matches(path) }
    }

    /// Why the secret `name` may not be given to a step, or nil when it may.
    public func refusal(ofSecret name: String) -> String? {
        if let rule = deniedSecrets.first(where: { Glob.matches($0, name) }) {
            return "the secret `\(name)` is denied by the Policies' runRules.secrets.deny entry `\(rule)`"
        }
        guard allowedSecrets.contains(where: { Glob.matches($0, name) }) else {
            return "no Policy's runRules.secrets.allow grants the secret `\(name)`"
        }
        return nil
    }

    /// Why an agent acting in a Role whose `tools` are `rolePatterns` may not be given `tool`, or
    /// nil when it may: the Role must list it, some Policy's `tools.allow` must allow it, and no
    /// Policy's `tools.deny` may deny it (a deny wins).
    public func refusal(ofTool tool: String, role: String, rolePatterns: [String]) -> String? {
        if let rule = deniedTools.first(where: { Glob.matches($0, tool) }) {
            return "`\(tool)` is denied by the Policies' runRules.tools.deny entry `\(rule)`"
        }
        guard rolePatterns.contains(where: { Glob.matches($0, tool) }) else {
            return "the Role `\(role)` does not list `\(tool)` in its tools"
        }
        guard allowedTools.contains(where: { Glob.matches($0, tool) }) else {
            return "no Policy's runRules.tools.allow allows `\(tool)`"
        }
        return nil
    }

    /// The first approval rule a call of `tool` touching `path` falls under, or nil when it may
    /// run without one.
    public func approval(ofTool tool: String, path: String?) -> ToolApprovalRule? {
        toolApprovals.first { $0.applies(to: tool, path: path) }
    }
}
