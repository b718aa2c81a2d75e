import CharterEgress
import CharterEngine
import CharterFoundation
import CharterModel
import CharterScheduling
import CharterShell
import Foundation

/// `shell` steps: the template's script in the run's workspace, inside the sandbox, under the
/// applied run rules as they are when the step starts (``StepRules``).
///
/// - Values reach the script only as environment variables: the step's `env` (with its `${{ }}`
///   substitutions), the secrets it asked for and a Policy grants, and `CHARTER_RUN_ID`,
///   `CHARTER_STEP`, `CHARTER_ATTEMPT`, `CHARTER_TEMPLATE`, `CHARTER_ROUTINE`.
/// - The sandbox fails closed: when bubblewrap cannot run the step, it fails with the reason and
///   the fix, unless a Policy sets `runRules.allowUnsandboxed`; then the step runs unsandboxed and
///   its record, events and summary say so.
/// - What the step prints is stored with every granted secret's value replaced by `***`.
public struct ShellStepExecutor: StepExecutor {
    let runner: ShellRunner
    let rules: StepRules
    /// Stdout kept as the step's output (what later steps read as `steps.X.output`).
    static let outputLimit = 256 * 1024

    /// An executor running scripts with `runner` under `rules`.
    public init(runner: ShellRunner = ShellRunner(), rules: StepRules) {
        self.runner = runner
        self.rules = rules
    }

    public func execute(_ context: StepContext) async throws -> StepResult {
        let step = TemplateRuns.templateStep(context.step)
        let instance = TemplateRuns.instance(
            template: context.template, parameters: context.parameters, runID: context.runID, routine: context.routine)
        let results = TemplateRuns.results(context.upstream)
        let applied = rules.current
        let script: String
        var environment: [String: String] = [
            "CHARTER_RUN_ID": context.runID, "CHARTER_STEP": context.step.name,
            "CHARTER_ATTEMPT": String(context.attempt), "CHARTER_TEMPLATE": context.template,
            "CHARTER_ROUTINE": context.routine ?? "",
        ]
        var secretValues: [String] = []
        do {
            script = try instance.renderCommand(step) ?? ""
            environment.merge(try instance.renderEnvironment(step, results: results)) { $1 }
            for (variable, name) in step.secrets.sorted(by: { $0.key < $1.key }) {
                if let refusal = applied.refusal(ofSecret: name) {
                    return .failed(reason: "secret refused: \(refusal)", retryable: false)
                }
                let value = try rules.secret(name)
                environment[variable] = value
                secretValues.append(value)
            }
        } catch let error as TemplateRenderError {
            return .failed(reason: "\(error)", retryable: false)
        } catch let error as StepRulesError {
            return .failed(reason: error.message, retryable: false)
        }
        // Outside the workspace, so the command cannot rewrite its own record.
        let outputs = context.workspace.deletingLastPathComponent().appendingPathComponent(
            ".output-\(context.runID)/\(context.step.name)-\(context.attempt)")
        let command = SandboxedCommand(
            command: script, environment: environment, network: step.network, workspace: context.workspace,
            outputs: outputs)
        let outcome: SandboxedCommand.Outcome
        do {
            outcome = try await command.run(applied: applied, rules: rules, runner: runner, secrets: secretValues) {
                do {
                    return try WorkspaceRetry.prepare(context)
                } catch {
                    throw StepRulesError("the workspace could not be prepared for this attempt: \(error)")
                }
            }
        } catch let error as StepRulesError {
            return .failed(reason: error.message, retryable: false)
        } catch let error as ShellError where error.kind == .sandboxUnavailable {
            return .failed(reason: error.message, retryable: false, details: ["sandbox": "unavailable"])
        }
        let result = outcome.result
        let (stdout, stderr) = (outcome.stdout, outcome.stderr)
        var record: [String: Value] = [
            "command": .string(script), "termination": .string(result.termination.description),
            "sandbox": .string(result.sandbox.description),
            "durationMs": .int(Int(result.duration.components.seconds * 1000)),
            "stdoutTruncated": .bool(result.stdout.truncated), "stderrTruncated": .bool(result.stderr.truncated),
            "environment": .array(environment.keys.sorted().map { .string($0) }),
        ]
        record.merge(outcome.sandboxRecord(identity: runner.configuration.identity)) { $1 }
        var details: [String: Value] = [:]
        if let retryNote = outcome.preparation {
            record["workspace"] = .string(retryNote)
            details["workspace"] = .string(retryNote)
        }
        if let note = outcome.unsandboxed { details["unsandboxed"] = .string(note) }
        if !step.secrets.isEmpty { record["secrets"] = .array(step.secrets.keys.sorted().map { .string($0) }) }
        record["network"] = .array(step.network.map { .string($0) })
        var artifacts: [String: Artifact] = [
            "stdout.txt": .data(stdout), "stderr.txt": .data(stderr),
            "process.json": .data(Data(CanonicalJSON.string(.object(record)).utf8)),
        ]
        if let connections = outcome.connections {
            artifacts["network.json"] = .data(Data(CanonicalJSON.string(connections.value).utf8))
            details["network"] = connections.summary
        }
        if result.succeeded {
            return .succeeded(
                output: String(decoding: stdout.prefix(Self.outputLimit), as: UTF8.self), artifacts: artifacts,
                details: details)
        }
        let lastLine =
            String(decoding: stderr.suffix(2000), as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        return .failed(
            reason: "\(result.termination)\(lastLine.isEmpty ? "" : ": \(lastLine)")", retryable: true,
            details: details, artifacts: artifacts)
    }
}

/// The egress proxy of one step and, once it ends, what it decided: the `network.json` artifact
/// and a summary for the step's event.
final class NetworkRecord: Sendable {
    let proxy: EgressProxy?

    init(proxy: EgressProxy?) { self.proxy = proxy }

    /// Stops the proxy and describes its connections, with `secrets` hidden (a step could name a
    /// host after a secret to have it logged); nil when the step had no network.
    func finish(redacting secrets: [String] = []) async -> (value: Value, summary: Value)? {
        guard let proxy else { return nil }
        let log = await proxy.stop()
        try? FileManager.default.removeItem(atPath: proxy.socketPath)
        func clean(_ text: String) -> String {
            secrets.isEmpty
                ? text : String(decoding: Redaction.redact(Array(text.utf8), secrets: secrets), as: UTF8.self)
        }
        let entries: [Value] = log.entries.map { entry in
            [
                "time": .string(Timestamp.utc(entry.time)), "host": .string(clean(entry.host)),
                "port": .int(entry.port), "address": entry.address.map { .string($0.description) } ?? .null,
                "allowed": .bool(entry.allowed), "status": .int(entry.status), "reason": .string(clean(entry.reason)),
                "bytesUp": .int(entry.bytesUp), "bytesDown": .int(entry.bytesDown),
            ]
        }
        let refused = log.entries.filter { !$0.allowed }
        let destinations = Set(refused.map { clean("\($0.host):\($0.port)") }).sorted().prefix(20)
        let summary: Value = [
            "connections": .int(log.entries.count + log.omitted), "refused": .int(refused.count),
            "refusedDestinations": .array(destinations.map { .string($0) }),
        ]
        return (["connections": .array(entries), "omitted": .int(log.omitted)], summary)
    }

    /// Stops the proxy if ``finish()`` did not (an early return or a thrown error).
    func close() {
        guard let proxy else { return }
        Task { await proxy.stop() }
        try? FileManager.default.removeItem(atPath: proxy.socketPath)
    }
}
