import CharterFoundation
import CharterModel
import CharterShell
import CharterTools
import Foundation

/// `shell.exec`: one command, run by `/bin/sh -c` in the run's sealed sandbox exactly as a `shell`
/// step runs (``SandboxedCommand``): the workspace at `/workspace`, the applied `runRules.paths`,
/// bubblewrap required unless a Policy sets `runRules.allowUnsandboxed`, seccomp, no variables from
/// the controller beyond the fixed allow-list, no secrets, and the network only as the step's
/// `network` grant and the Policies allow, through the egress proxy.
///
/// What the command printed comes back capped and with every credential value redacted. A
/// command changes the workspace or the world in ways a repeat would repeat, so the tool is
/// side-effecting: an interrupted call is never run again.
public struct ShellExecTool: AgentTool {
    public let name = "shell.exec"
    public let summary =
        "Run one shell command (`/bin/sh -c`) in the run's sandbox: the workspace is the current directory and HOME (/workspace); the system's programs are there, nothing of the host. No network unless the step was granted destinations (then through the proxy in HTTPS_PROXY). Answers the exit status, stdout and stderr (each cut when long). `timeout` is in seconds (default 120, at most 600)."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false, "required": ["command"],
        "properties": [
            "command": [
                "type": "string", "minLength": 1, "maxLength": 100_000,
                "description": "The command line, run by /bin/sh -c in /workspace.",
            ],
            "timeout": [
                "type": "integer", "minimum": 1, "maximum": 600,
                "description": "Seconds before the command and everything it started are stopped (default 120).",
            ],
        ],
    ]
    public let effect = ToolEffect.sideEffecting

    /// Seconds a command may run when the call names no `timeout`.
    public static let defaultTimeout = 120
    /// The longest `timeout` a call may ask for, in seconds; the step's deadline may cut it shorter.
    public static let maxTimeout = 600
    /// Bytes of each of stdout and stderr captured; the rest is counted, not kept.
    public static let captureLimit = 1 << 20

    let runner: ShellRunner
    let rules: StepRules
    let network: [String]

    /// The tool for one step: commands run with `runner`, under `rules` (credentials to redact,
    /// the controller's endpoints), with the step's `network` grant (`host:port` rules).
    public init(runner: ShellRunner, rules: StepRules, network: [String] = []) {
        self.runner = runner
        self.rules = rules
        self.network = network
    }

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let script = arguments["command"]?.string ?? ""
        guard !script.isEmpty, !script.contains("\0") else {
            throw ToolFailure("`command` must be a non-empty string without NUL bytes")
        }
        let timeout = try Self.timeout(seconds: arguments["timeout"]?.int, deadline: context.deadline)
        // Beside the shell steps' captured output, outside the workspace and every sandbox; removed
        // once read, since the call's result is recorded in the step's journal.
        let outputs = context.workspace.deletingLastPathComponent().appendingPathComponent(
            ".output-\(context.runID)/\(context.step).exec-\(Self.fileName(context.callID))-\(UUID().uuidString.prefix(8))"
        )
        defer { try? FileManager.default.removeItem(at: outputs) }
        let command = SandboxedCommand(
            command: script, environment: ["CHARTER_RUN_ID": context.runID, "CHARTER_STEP": context.step],
            network: network, workspace: context.workspace, outputs: outputs, timeout: timeout,
            outputLimit: Self.captureLimit)
        let outcome: SandboxedCommand.Outcome
        do {
            outcome = try await command.run(applied: context.rules, rules: rules, runner: runner)
        } catch let error as StepRulesError {
            throw ToolFailure(error.message)
        } catch let error as ShellError {
            throw ToolFailure(error.message)
        }
        // A stop of the step (its deadline, a cancel) ends the call, not just the command.
        try Task.checkCancellation()
        return Self.output(
            outcome, timeout: timeout, limit: context.resultLimit, identity: runner.configuration.identity)
    }

    /// The command's time: the asked-for (or default) seconds, at most ``maxTimeout``, and never
    /// past the step's deadline.
    static func timeout(seconds: Int?, deadline: Date?, now: Date = Date()) throws -> Duration {
        var limit = Double(min(max(1, seconds ?? defaultTimeout), maxTimeout))
        if let deadline {
            let left = deadline.timeIntervalSince(now)
            guard left >= 0.1 else { throw ToolFailure("the step's time is up: no command can start") }
            limit = min(limit, left)
        }
        return .milliseconds(Int64(limit * 1000))
    }

    /// What the model reads: how it ended, then stdout and stderr, each within half the result
    /// limit, saying what was cut.
    static func output(
        _ outcome: SandboxedCommand.Outcome, timeout: Duration, limit: Int, identity: SandboxIdentity
    ) -> ToolOutput {
        let result = outcome.result
        var lines: [String] = []
        switch result.stopReason {
        case .timedOut:
            lines.append(
                "timed out after \(timeout.components.seconds) s: the command and everything it started were stopped (\(result.termination))"
            )
        case .cancelled: lines.append("stopped: the step was stopped (\(result.termination))")
        case nil: lines.append(result.termination.description)
        }
        if let note = outcome.unsandboxed { lines.append(note) }
        let each = max(512, limit / 2 - 256)
        for (label, data, stream) in [
            ("stdout", outcome.stdout, result.stdout), ("stderr", outcome.stderr, result.stderr),
        ] where stream.bytesProduced > 0 {
            lines.append("\(label):")
            lines.append(shown(data, produced: stream.bytesProduced, limit: each))
        }
        if result.stdout.bytesProduced == 0 && result.stderr.bytesProduced == 0 { lines.append("(no output)") }
        var details: [String: Value] = [
            "termination": .string(result.termination.description), "sandbox": .string(result.sandbox.description),
            "durationMs": .int(Int(result.duration.components.seconds * 1000)),
            "stdoutBytes": .int(result.stdout.bytesProduced), "stderrBytes": .int(result.stderr.bytesProduced),
        ]
        if case .exited(let status) = result.termination { details["exitStatus"] = .int(Int(status)) }
        if let reason = result.stopReason { details["stopped"] = .string(reason.rawValue) }
        if let summary = outcome.connections?.summary { details["network"] = summary }
        details.merge(outcome.sandboxRecord(identity: identity)) { $1 }
        return ToolOutput(
            ToolText.capped(lines.joined(separator: "\n"), limit: limit), isError: !result.succeeded, details: details)
    }

    /// `data` as text within `limit` bytes, with a note of how much the command printed in all.
    static func shown(_ data: Data, produced: Int, limit: Int) -> String {
        let text = String(decoding: data.prefix(limit), as: UTF8.self)
        guard produced > min(limit, data.count) || data.count > limit else { return text }
        return text + "\n… [cut: \(produced) bytes in all, the first \(min(limit, data.count)) shown]"
    }

    /// A call id as a file name: letters, digits, `-` and `_` only (ids come from the model's
    /// provider), at most 64 of them.
    static func fileName(_ id: String) -> String {
        let kept = id.unicodeScalars.prefix(64).map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_": Character(scalar)
            default: "_"
            }
        }
        return kept.isEmpty ? "call" : String(kept)
    }
}
