import CharterEngine
import CharterModel
import CharterShell
import CharterTools
import Foundation

/// The tools one agent step works with, open for the step's duration (MCP servers are processes
/// or connections), and what each call of the model is decided to be.
public struct AgentToolSession: Sendable {
    /// Every tool that exists for the step; which are offered is decided per turn by the rules.
    public var registry: ToolRegistry
    /// Closes what the session opened (MCP servers); called once when the step's attempt ends.
    public var close: @Sendable () async -> Void
    /// What did not open or was left out (a ToolServer that failed to start), for the record.
    public var notes: [String]

    /// A session.
    public init(
        registry: ToolRegistry, notes: [String] = [], close: @escaping @Sendable () async -> Void = {}
    ) {
        self.registry = registry
        self.notes = notes
        self.close = close
    }
}

/// Opens the tools for an agent step: the built-in ones, then those of the tool servers the step
/// may use.
public protocol AgentToolbox: Sendable {
    /// The tools of the step in `context` (its workspace, run and rules).
    func open(_ context: StepContext, rules: RunRules) async throws -> AgentToolSession
}

/// The built-in workspace tools only.
public struct BuiltInToolbox: AgentToolbox {
    /// Extra tools besides the workspace's file tools.
    public var extra: [any AgentTool]

    /// A toolbox of the file tools and `extra`.
    public init(extra: [any AgentTool] = []) { self.extra = extra }

    public func open(_ context: StepContext, rules: RunRules) async throws -> AgentToolSession {
        AgentToolSession(registry: ToolRegistry(ToolRegistry.fileTools + extra))
    }
}

/// The tools the controller gives agent steps: the workspace's file tools, `shell.exec` (commands
/// in the run's sealed sandbox) and `web.fetch` (GET through the egress rules), the last two with
/// the step's `network` grant; which of them a step is offered is still decided per turn by its
/// Role and the Policies.
public struct StepToolbox: AgentToolbox {
    /// Credentials to redact, the controller's own endpoints.
    public var rules: StepRules
    /// Runs `shell.exec` commands: the same runner, sandbox and settings as shell steps.
    public var runner: ShellRunner
    /// Further tools.
    public var extra: [any AgentTool]

    /// A toolbox under `rules`, running commands with `runner`.
    public init(rules: StepRules, runner: ShellRunner = ShellRunner(), extra: [any AgentTool] = []) {
        self.rules = rules
        self.runner = runner
        self.extra = extra
    }

    public func open(_ context: StepContext, rules _: RunRules) async throws -> AgentToolSession {
        // The grant is the step's as the run stored it; the Policies' network rules are read at
        // each call (ToolCallContext.rules), so a tightened Policy binds a running step.
        let network = TemplateRuns.templateStep(context.step).network
        let tools: [any AgentTool] = [
            ShellExecTool(runner: runner, rules: rules, network: network), WebFetchTool(rules: rules, network: network),
        ]
        var registry = ToolRegistry(ToolRegistry.fileTools + tools + extra)
        // The MCP servers the step's Role and the Policies can reach, started for this attempt.
        let state = rules.organization
        guard let roleName = TemplateRuns.templateStep(context.step).role, let role = state.roles[roleName],
            !state.toolServers.isEmpty
        else { return AgentToolSession(registry: registry) }
        let launcher = SandboxedToolServerLauncher(
            runner: runner, rules: rules, workspace: context.workspace,
            outputDirectory: context.workspace.deletingLastPathComponent().appendingPathComponent(
                ".output-\(context.runID)/\(context.step.name)-\(context.attempt)"),
            runID: context.runID, step: context.step.name)
        let servers = await StepToolServers.open(
            Array(state.toolServers.values), role: role, rules: rules, launcher: launcher)
        for tool in servers.tools { registry.add(tool) }
        let notes = servers.failures.map { "\($0)" } + servers.warnings
        return AgentToolSession(registry: registry, notes: notes) { await servers.close() }
    }
}

/// What the loop decided about one call, before running anything.
enum CallDecision: Sendable, Hashable {
    case allowed(tool: String, arguments: [String: Value])
    case refused(tool: String?, reason: String)
    case invalid(tool: String, reason: String)
    case approval(tool: String, arguments: [String: Value], rule: ToolApprovalRule)

    var name: String {
        switch self {
        case .allowed: "allowed"
        case .refused: "refused"
        case .invalid: "invalid"
        case .approval: "approval"
        }
    }

    /// Decides `call` under the rules now: a name that was never offered or that the rules refuse
    /// is refused whatever the model says; arguments must satisfy the tool's schema.
    static func decide(
        _ call: (wireName: String, arguments: String), registry: ToolRegistry, offered: Set<String>, rules: RunRules
    ) -> CallDecision {
        guard let name = registry.name(ofWire: call.wireName), let tool = registry.tools[name] else {
            return .refused(tool: nil, reason: "no tool named `\(call.wireName)` was offered to this step")
        }
        guard offered.contains(name) else {
            return .refused(tool: name, reason: "`\(name)` is not allowed for this step")
        }
        switch ArgumentCheck.parse(call.arguments, schema: tool.parameters) {
        case .failure(let failure):
            return .invalid(tool: name, reason: failure.message)
        case .success(let arguments):
            let path = arguments["path"]?.string.flatMap(WorkspacePath.sandboxPath(of:))
            if let rule = rules.approval(ofTool: name, path: path) {
                return .approval(tool: name, arguments: arguments, rule: rule)
            }
            return .allowed(tool: name, arguments: arguments)
        }
    }
}
