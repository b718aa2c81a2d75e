import CharterEgress
import CharterFoundation
import CharterMCP
import CharterModel
import CharterShell
import Foundation

/// Starts stdio ToolServers for one agent step in the run's sandbox — the one shell steps get —
/// under the applied run rules as they are when the server starts.
///
/// - The program sees the run's workspace at `/workspace` and the minimal read-only system, as
///   the unprivileged step user, under the seccomp filter; `runRules.paths` omit mounts and
///   quarantine workspace entries exactly as for a shell step (``StepSandbox``).
/// - It has no network unless the ToolServer's `stdio.network.allow` asks for destinations; then
///   it gets the step's egress proxy, deciding each connection against those destinations and the
///   Policies' `runRules.network` (a deny wins), as for a shell step.
/// - Its environment is the sandbox's (`PATH`, `HOME=/workspace`, …), the ToolServer's `env`, and
///   `CHARTER_RUN_ID`, `CHARTER_STEP`, `CHARTER_TOOL_SERVER`; no secret.
/// - Its stderr goes to `<output>/mcp-<server>.stderr`, at most 1 MiB, never to the protocol;
///   every credential's value is replaced by `***` there when the server stops.
/// - It fails closed like a shell step: without a working bubblewrap the server does not start,
///   unless a Policy sets `runRules.allowUnsandboxed`, and then ``records`` says it ran unsandboxed.
public final class SandboxedToolServerLauncher: ToolServerLauncher {
    let runner: ShellRunner
    let rules: StepRules
    let workspace: URL
    let outputDirectory: URL
    let environment: [String: String]
    private let launched = Locked<[ToolServerRecord]>([])

    /// The most bytes of a server's stderr kept.
    public static let stderrLimit = 1024 * 1024

    /// A launcher for the agent step `step` of run `runID`, in `workspace`, writing servers' stderr
    /// into `outputDirectory` (keep it outside the workspace, like a shell step's output).
    public init(
        runner: ShellRunner = ShellRunner(), rules: StepRules, workspace: URL, outputDirectory: URL, runID: String,
        step: String
    ) {
        self.runner = runner
        self.rules = rules
        self.workspace = workspace
        self.outputDirectory = outputDirectory
        environment = ["CHARTER_RUN_ID": runID, "CHARTER_STEP": step]
    }

    /// What each started server ran in and did, in start order; complete once the servers are
    /// closed (``MCPToolServer/close()``).
    public var records: [ToolServerRecord] { launched.withLock { $0 } }

    public func launch(_ server: ToolServer, command: ToolServer.StdioCommand) async throws -> any ToolServerProcess {
        let applied = rules.current
        let mounts = runner.sandboxMounts
        let workspace = workspace
        var (access, quarantined) = try await onOwnThread {
            try StepSandbox.access(rules: applied, mounts: mounts, workspace: workspace)
        }
        let egress = try await startEgress(command.network, applied)
        if let egress { access.network = .egress(socket: egress.socketPath) }
        let network = NetworkRecord(proxy: egress)
        let stderrFile = outputDirectory.appendingPathComponent("mcp-\(server.name).stderr")
        let process: InteractiveProcess
        do {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            var variables = command.environment
            variables.merge(environment) { $1 }
            variables["CHARTER_TOOL_SERVER"] = server.name
            process = try await runner.start(
                ProcessRequest(
                    arguments: command.command, workspace: workspace, environment: variables, stderrFile: stderrFile,
                    stderrLimit: Self.stderrLimit, sandbox: applied.allowUnsandboxed ? .allowUnsandboxed : .required,
                    access: access))
        } catch {
            network.close()
            throw error
        }
        var record = ToolServerRecord(
            server: server.name, command: command.command, sandbox: process.sandbox.description,
            stderrFile: stderrFile, quarantined: quarantined.map { "/workspace/" + $0 })
        if case .none(let reason) = process.sandbox {
            let by = applied.unsandboxedBy.joined(separator: ", ")
            record.unsandboxed = "ran UNSANDBOXED: \(reason) (allowed by Policy \(by))"
        }
        let index = launched.withLock { records in
            records.append(record)
            return records.count - 1
        }
        let hidden = rules.allCredentialValues()
        let launched = launched
        return SandboxedToolServerProcess(process: process) {
            let connections = await network.finish(redacting: hidden)
            _ = SandboxedCommand.redacted(stderrFile, hidden)
            launched.withLock { records in
                records[index].ended = process.termination?.description
                records[index].network = connections?.value
                records[index].networkSummary = connections?.summary
            }
        }
    }

    /// The egress proxy of a server that asks for network, decided like a shell step's.
    func startEgress(_ requested: [String], _ applied: RunRules) async throws -> EgressProxy? {
        guard !requested.isEmpty else { return nil }
        var rules: [NetworkRule] = []
        for text in requested {
            do throws(NetworkRuleError) {
                rules.append(try NetworkRule(text))
            } catch {
                throw StepRulesError("the ToolServer's stdio.network: \(error)")
            }
        }
        let egress = EgressRules(
            step: rules, allow: applied.allowedNetwork.compactMap { try? NetworkRule($0) },
            deny: applied.deniedNetwork.compactMap { try? NetworkRule($0) }, reserved: self.rules.reservedEndpoints,
            hostAddresses: HostAddresses.current())
        do {
            return try await EgressProxy.start(socketPath: try SandboxScratch.socketPath(), rules: egress)
        } catch {
            throw StepRulesError("the ToolServer's egress proxy could not start: \(error)")
        }
    }
}

/// What one started ToolServer ran in and did, for the step's record.
public struct ToolServerRecord: Sendable, Hashable {
    /// The ToolServer's name.
    public var server: String
    /// Its argument vector.
    public var command: [String]
    /// The sandbox it ran in (`bubblewrap (/usr/bin/bwrap)`) or `none (…)`.
    public var sandbox: String
    /// Set when it ran unsandboxed, saying why and which Policy allowed it.
    public var unsandboxed: String?
    /// Its stderr, redacted once it stopped.
    public var stderrFile: URL
    /// Workspace entries `runRules.paths` moved out before it started.
    public var quarantined: [String]
    /// How it ended, once it has.
    public var ended: String?
    /// Its egress proxy's decisions (`network.json`'s shape), when it had network.
    public var network: Value?
    /// Their summary for an event, when it had network.
    public var networkSummary: Value?
}

/// A server program started by ``SandboxedToolServerLauncher``: an ``InteractiveProcess`` seen
/// through CharterMCP's protocol, which finishes its record when it ends.
final class SandboxedToolServerProcess: ToolServerProcess {
    let process: InteractiveProcess
    private let finish: Task<Void, Never>
    /// Set once the end is recorded: until then the server counts as running, so whoever waits
    /// for its exit also waits for its record.
    private let recorded: Locked<Bool>

    init(process: InteractiveProcess, onEnd: @escaping @Sendable () async -> Void) {
        self.process = process
        let recorded = Locked(false)
        self.recorded = recorded
        finish = Task {
            _ = await process.waitForExit()
            await onEnd()
            recorded.withLock { $0 = true }
        }
    }

    var input: Int32 { process.input }
    var output: Int32 { process.output }
    var exitDescription: String? { recorded.withLock { $0 } ? process.termination?.description : nil }

    func waitForExit() async -> String {
        _ = await process.waitForExit()
        await finish.value
        return process.termination?.description ?? "ended"
    }

    func terminate() async {
        await process.terminate(gracePeriod: .seconds(2))
        await finish.value
    }

    func stderrTail() -> String { process.stderrTail() }
}
