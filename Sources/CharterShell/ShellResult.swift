import Foundation

/// How the step's process ended, as `wait` reported it.
public enum ShellTermination: Sendable, Hashable, CustomStringConvertible {
    /// The process exited with this status.
    case exited(Int32)
    /// A signal ended the process.
    ///
    /// Under bubblewrap the command's own death by signal reaches us as `exited(128 + signal)`,
    /// the way a shell reports it, because bubblewrap's monitor process stands in between.
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let status): "exit status \(status)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}

/// Why Charter stopped a step before it finished by itself.
public enum ShellStopReason: String, Sendable, Hashable {
    /// The awaiting task was cancelled (`charter cancel`, a run's deadline, shutdown).
    case cancelled
    /// The request's own ``ShellRequest/timeout`` expired.
    case timedOut
}

/// Whether and how a step was sandboxed, in words fit for the run record.
public enum ShellSandbox: Sendable, Hashable, CustomStringConvertible {
    /// Run inside bubblewrap at this path.
    case bubblewrap(executable: String)
    /// Run without a sandbox, for the reason given.
    case none(reason: String)

    /// Whether the step ran inside a sandbox.
    public var isSandboxed: Bool {
        if case .bubblewrap = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .bubblewrap(let executable): "bubblewrap (\(executable))"
        case .none(let reason): "none (\(reason))"
        }
    }
}

/// One captured output stream of a step.
public struct ShellOutput: Sendable, Hashable {
    /// The file holding the kept bytes.
    public var file: URL
    /// Bytes written to ``file``: at most the request's ``ShellRequest/outputLimit``.
    public var bytesWritten: Int
    /// Bytes the command produced, kept or not.
    public var bytesProduced: Int

    /// Whether bytes were dropped because the stream went over the limit.
    public var truncated: Bool { bytesProduced > bytesWritten }

    /// A stream description.
    public init(file: URL, bytesWritten: Int, bytesProduced: Int) {
        self.file = file
        self.bytesWritten = bytesWritten
        self.bytesProduced = bytesProduced
    }
}

/// What a finished (or stopped) shell step left behind.
public struct ShellResult: Sendable, Hashable {
    /// How the process ended.
    public var termination: ShellTermination
    /// Set when Charter stopped the step; `nil` when it ended by itself.
    public var stopReason: ShellStopReason?
    /// Whether SIGTERM was not enough and the process group had to be sent SIGKILL.
    public var killedAfterGracePeriod: Bool
    /// The process id of `/bin/sh` (or of bubblewrap), which is also the process group id.
    public var processID: Int32
    /// When the process was started.
    public var startedAt: Date
    /// Wall-clock time from start to exit.
    public var duration: Duration
    /// CPU time in user mode of the process and the descendants it waited for.
    public var userCPUTime: Duration
    /// CPU time in the kernel of the process and the descendants it waited for.
    public var systemCPUTime: Duration
    /// Standard output.
    public var stdout: ShellOutput
    /// Standard error.
    public var stderr: ShellOutput
    /// Whether the step was sandboxed, and if not, why not.
    public var sandbox: ShellSandbox

    /// Whether the command ended by itself with status 0.
    public var succeeded: Bool { stopReason == nil && termination == .exited(0) }

    /// A result; normally made by ``ShellRunner``.
    public init(
        termination: ShellTermination, stopReason: ShellStopReason?, killedAfterGracePeriod: Bool, processID: Int32,
        startedAt: Date, duration: Duration, userCPUTime: Duration, systemCPUTime: Duration, stdout: ShellOutput,
        stderr: ShellOutput, sandbox: ShellSandbox
    ) {
        self.termination = termination
        self.stopReason = stopReason
        self.killedAfterGracePeriod = killedAfterGracePeriod
        self.processID = processID
        self.startedAt = startedAt
        self.duration = duration
        self.userCPUTime = userCPUTime
        self.systemCPUTime = systemCPUTime
        self.stdout = stdout
        self.stderr = stderr
        self.sandbox = sandbox
    }
}
