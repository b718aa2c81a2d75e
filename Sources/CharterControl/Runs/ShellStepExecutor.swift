import CharterEngine
import CharterModel
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
        let mode: ShellSandboxMode = applied.allowUnsandboxed ? .allowUnsandboxed : .required
        let access: SandboxAccess
        do {
            access = try StepSandbox.access(rules: applied, mounts: runner.sandboxMounts, workspace: context.workspace)
        } catch let error as StepRulesError {
            return .failed(reason: error.message, retryable: false)
        }
        // Outside the workspace, so the command cannot rewrite its own record.
        let outputs = context.workspace.deletingLastPathComponent().appendingPathComponent(
            ".output-\(context.runID)/\(context.step.name)-\(context.attempt)")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        let result: ShellResult
        do {
            result = try await runner.run(
                ShellRequest(
                    command: script, workspace: context.workspace, outputDirectory: outputs,
                    environment: environment, sandbox: mode, access: access))
        } catch let error as ShellError where error.kind == .sandboxUnavailable {
            return .failed(reason: error.message, retryable: false, details: ["sandbox": "unavailable"])
        }
        let stdout = Self.redacted(result.stdout.file, secretValues)
        let stderr = Self.redacted(result.stderr.file, secretValues)
        var record: [String: Value] = [
            "command": .string(script), "termination": .string(result.termination.description),
            "sandbox": .string(result.sandbox.description),
            "durationMs": .int(Int(result.duration.components.seconds * 1000)),
            "stdoutTruncated": .bool(result.stdout.truncated), "stderrTruncated": .bool(result.stderr.truncated),
            "environment": .array(environment.keys.sorted().map { .string($0) }),
        ]
        var details: [String: Value] = [:]
        if result.sandbox.isSandboxed {
            record["user"] = .string(runner.configuration.identity.description)
            if !access.omittedMounts.isEmpty {
                record["omittedMounts"] = .array(access.omittedMounts.sorted().map { .string($0) })
            }
            if !access.masks.isEmpty { record["masked"] = .array(access.masks.map { .string($0.path) }) }
        } else if case .none(let reason) = result.sandbox {
            let by = applied.unsandboxedBy.joined(separator: ", ")
            let note = "ran UNSANDBOXED: \(reason) (allowed by Policy \(by))"
            record["unsandboxed"] = .string(note)
            details["unsandboxed"] = .string(note)
        }
        if !step.secrets.isEmpty { record["secrets"] = .array(step.secrets.keys.sorted().map { .string($0) }) }
        let artifacts: [String: Artifact] = [
            "stdout.txt": .data(stdout), "stderr.txt": .data(stderr),
            "process.json": .data(Data(CanonicalJSON.string(.object(record)).utf8)),
        ]
        if result.succeeded {
            return .succeeded(
                output: String(decoding: stdout.prefix(Self.outputLimit), as: UTF8.self), artifacts: artifacts,
                details: details)
        }
        let lastLine =
            String(decoding: stderr.suffix(2000), as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        return .failed(
            reason: "\(result.termination)\(lastLine.isEmpty ? "" : ": \(lastLine)")", retryable: true,
            details: details)
    }

    /// The captured `file` with every secret value replaced by `***`; the file itself is rewritten
    /// so that only redacted text outlives the step.
    static func redacted(_ file: URL, _ secrets: [String]) -> Data {
        let data = (try? Data(contentsOf: file)) ?? Data()
        guard !secrets.isEmpty else { return data }
        let clean = Data(Redaction.redact(Array(data), secrets: secrets))
        try? clean.write(to: file)
        return clean
    }
}
