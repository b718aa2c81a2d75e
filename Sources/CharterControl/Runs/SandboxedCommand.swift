import CharterEgress
import CharterFoundation
import CharterModel
import CharterShell
import Foundation

/// One command in a run's sealed sandbox, set up the way every shell step is: the applied
/// `runRules.paths` checked (denied workspace entries quarantined, system paths omitted or masked),
/// bubblewrap required unless a Policy sets `runRules.allowUnsandboxed`, the network only through
/// an egress proxy that applies the step's `network` grant and the Policies' rules, and what the
/// command printed redacted of every credential value.
///
/// `shell` steps (``ShellStepExecutor``) and the agent tool `shell.exec` (``ShellExecTool``) both
/// run through here, so there is one sandbox setup to review and no second, weaker path.
struct SandboxedCommand {
    /// The script, given to `/bin/sh -c` as one argument.
    var command: String
    /// The command's own variables (the runner adds only its fixed allow-list).
    var environment: [String: String]
    /// The step's `network` grant, `host:port` rules as the template wrote them; empty for none.
    var network: [String]
    /// The run's workspace.
    var workspace: URL
    /// Where stdout and stderr are captured: outside the workspace, so the command cannot rewrite
    /// its own record.
    var outputs: URL
    /// When the command's process group is stopped.
    var timeout: Duration?
    /// Bytes kept of each of stdout and stderr.
    var outputLimit = ShellRequest.defaultOutputLimit

    /// How it went.
    struct Outcome {
        /// How the process ended.
        var result: ShellResult
        /// What the sandbox let it reach.
        var access: SandboxAccess
        /// Workspace entries moved to the quarantine before it started.
        var quarantined: [String]
        /// What `prepare` returned.
        var preparation: String?
        /// Stdout and stderr, redacted (the capture files are rewritten so).
        var stdout: Data
        var stderr: Data
        /// The egress proxy's decisions (for `network.json`) and their summary; nil without network.
        var connections: (value: Value, summary: Value)?
        /// `ran UNSANDBOXED: … (allowed by Policy …)` when it ran on the host.
        var unsandboxed: String?

        /// What the run record says about the sandbox: its user, and what the rules left out,
        /// masked or quarantined — or that there was none.
        func sandboxRecord(identity: SandboxIdentity) -> [String: Value] {
            var record: [String: Value] = [:]
            if result.sandbox.isSandboxed {
                record["user"] = .string(identity.description)
                if !access.omittedMounts.isEmpty {
                    record["omittedMounts"] = .array(access.omittedMounts.sorted().map { .string($0) })
                }
                if !access.masks.isEmpty { record["masked"] = .array(access.masks.map { .string($0.path) }) }
                if !quarantined.isEmpty {
                    record["quarantined"] = .array(quarantined.prefix(1000).map { .string("/workspace/" + $0) })
                }
            } else if let unsandboxed {
                record["unsandboxed"] = .string(unsandboxed)
            }
            return record
        }
    }

    /// Runs the command under `applied` (the Policies' rules now) and `rules` (credentials, the
    /// controller's endpoints), hiding `secrets` and every credential value in what it printed.
    /// `prepare` runs after the path rules are applied and before anything starts, on a thread of
    /// its own (a shell step's workspace retry).
    ///
    /// - Throws: ``StepRulesError`` when the rules cannot be met (a path walk over its bound, a
    ///   network rule that does not parse, an egress proxy that cannot start); ``ShellError`` of
    ///   kind `sandboxUnavailable` when bubblewrap does not work here and no Policy allows running
    ///   unsandboxed; `CancellationError` when cancelled before the process started.
    func run(
        applied: RunRules, rules: StepRules, runner: ShellRunner, secrets: [String] = [],
        prepare: (@Sendable () throws -> String?)? = nil
    ) async throws -> Outcome {
        let mode: ShellSandboxMode = applied.allowUnsandboxed ? .allowUnsandboxed : .required
        let mounts = runner.sandboxMounts
        let workspace = workspace
        var (access, quarantined, preparation) = try await onOwnThread {
            let (access, quarantined) = try StepSandbox.access(rules: applied, mounts: mounts, workspace: workspace)
            return (access, quarantined, try prepare?())
        }
        let egress = try await Self.startEgress(network, applied: applied, reserved: rules.reservedEndpoints)
        if let egress { access.network = .egress(socket: egress.socketPath) }
        let record = NetworkRecord(proxy: egress)
        defer { record.close() }
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        let result = try await runner.run(
            ShellRequest(
                command: command, workspace: workspace, outputDirectory: outputs, environment: environment,
                timeout: timeout, sandbox: mode, access: access, outputLimit: outputLimit))
        // Every credential the controller holds is hidden, not only the step's own: an earlier step
        // may have left a granted token where this command prints it (a clone URL in .git/config).
        let hidden = secrets + rules.allCredentialValues()
        let connections = await record.finish(redacting: hidden)
        var unsandboxed: String?
        if case .none(let reason) = result.sandbox {
            unsandboxed =
                "ran UNSANDBOXED: \(reason) (allowed by Policy \(applied.unsandboxedBy.joined(separator: ", ")))"
        }
        return Outcome(
            result: result, access: access, quarantined: quarantined, preparation: preparation,
            stdout: Self.redacted(result.stdout.file, hidden), stderr: Self.redacted(result.stderr.file, hidden),
            connections: connections, unsandboxed: unsandboxed)
    }

    /// The egress proxy of a command with a `network` grant: the grant, the applied Policies' allow
    /// and deny lists, the controller's endpoints and this machine's addresses; nil without a grant.
    static func startEgress(
        _ network: [String], applied: RunRules, reserved: [EgressRules.Endpoint]
    ) async throws -> EgressProxy? {
        guard !network.isEmpty else { return nil }
        do {
            return try await EgressProxy.start(
                socketPath: try SandboxScratch.socketPath(),
                rules: try egressRules(network, applied: applied, reserved: reserved))
        } catch let error as StepRulesError {
            throw error
        } catch {
            throw StepRulesError("the step's egress proxy could not start: \(error)")
        }
    }

    /// The rules the egress proxy applies for a step granted `network`.
    static func egressRules(
        _ network: [String], applied: RunRules, reserved: [EgressRules.Endpoint]
    ) throws(StepRulesError) -> EgressRules {
        var requested: [NetworkRule] = []
        for text in network {
            do throws(NetworkRuleError) {
                requested.append(try NetworkRule(text))
            } catch {
                throw StepRulesError("the step's network: \(error)")
            }
        }
        return EgressRules(
            step: requested, allow: applied.allowedNetwork.compactMap { try? NetworkRule($0) },
            deny: applied.deniedNetwork.compactMap { try? NetworkRule($0) }, reserved: reserved,
            hostAddresses: HostAddresses.current())
    }

    /// The captured `file` with every secret value replaced by `***`; the file itself is rewritten
    /// so that only redacted text outlives the command.
    static func redacted(_ file: URL, _ secrets: [String]) -> Data {
        let data = (try? Data(contentsOf: file)) ?? Data()
        guard !secrets.isEmpty else { return data }
        let clean = Data(Redaction.redact(Array(data), secrets: secrets, cutAtEnd: true))
        try? clean.write(to: file)
        return clean
    }
}
