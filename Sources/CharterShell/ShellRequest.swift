import Foundation

/// Whether a shell step runs inside bubblewrap.
///
/// Charter's step executor uses ``required`` unless the applied Policy explicitly allows unsandboxed
/// runs (``allowUnsandboxed``); ``disabled`` exists for library users and tests of process handling.
public enum ShellSandboxMode: String, Sendable, Hashable, CaseIterable {
    /// Refuse to run (``ShellError/Kind/sandboxUnavailable``, saying why and how to fix it) unless
    /// bubblewrap works: the sandbox fails closed.
    case required
    /// Use bubblewrap when it works on this machine; otherwise run unsandboxed and say why in
    /// ``ShellResult/sandbox``.
    case allowUnsandboxed
    /// Never sandbox; the result says so.
    case disabled
}

/// One shell step to run: a command for `/bin/sh -c`, run in its own workspace directory.
public struct ShellRequest: Sendable, Hashable {
    /// The default cap on each of stdout and stderr: 10 MiB.
    public static let defaultOutputLimit = 10 * 1024 * 1024

    /// The command line, given to `/bin/sh -c` as one argument (never split or interpolated here).
    public var command: String
    /// The directory the command runs in, and its `HOME`; it must exist. Inside the sandbox it
    /// appears at ``SandboxLayout/workspace`` and is the only writable directory that outlives the step.
    public var workspace: URL
    /// Where the command's standard output is written (created or truncated).
    public var stdoutFile: URL
    /// Where the command's standard error is written (created or truncated).
    public var stderrFile: URL
    /// The step's own variables, added to the allow-listed ones (and winning over them).
    public var environment: [String: String]
    /// After this long the process group is terminated and the result says ``ShellStopReason/timedOut``.
    public var timeout: Duration?
    /// Whether to run inside bubblewrap.
    public var sandbox: ShellSandboxMode
    /// What the sandbox lets the step reach (network, mounts, masks); unused when unsandboxed.
    public var access: SandboxAccess
    /// Bytes kept of each of stdout and stderr; the rest is read and counted but not written.
    public var outputLimit: Int

    /// A request with explicit output files.
    public init(
        command: String, workspace: URL, stdoutFile: URL, stderrFile: URL, environment: [String: String] = [:],
        timeout: Duration? = nil, sandbox: ShellSandboxMode = .required, access: SandboxAccess = .minimal,
        outputLimit: Int = ShellRequest.defaultOutputLimit
    ) {
        self.command = command
        self.workspace = workspace
        self.stdoutFile = stdoutFile
        self.stderrFile = stderrFile
        self.environment = environment
        self.timeout = timeout
        self.sandbox = sandbox
        self.access = access
        self.outputLimit = outputLimit
    }

    /// A request whose output goes to `outputDirectory/stdout` and `outputDirectory/stderr`.
    ///
    /// Keep `outputDirectory` outside `workspace`, so the step cannot rewrite its own record.
    public init(
        command: String, workspace: URL, outputDirectory: URL, environment: [String: String] = [:],
        timeout: Duration? = nil, sandbox: ShellSandboxMode = .required, access: SandboxAccess = .minimal,
        outputLimit: Int = ShellRequest.defaultOutputLimit
    ) {
        self.init(
            command: command, workspace: workspace, stdoutFile: outputDirectory.appendingPathComponent("stdout"),
            stderrFile: outputDirectory.appendingPathComponent("stderr"), environment: environment, timeout: timeout,
            sandbox: sandbox, access: access, outputLimit: outputLimit)
    }
}
