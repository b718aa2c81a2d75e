import CharterFoundation
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A program to start and talk to over its stdin and stdout (an MCP tool server), in the same
/// sandbox a shell step gets.
public struct ProcessRequest: Sendable, Hashable {
    /// The argument vector. The first is the program, found on the sandbox's `PATH` unless it holds
    /// a `/`; none is ever parsed by a shell.
    public var arguments: [String]
    /// The directory the program runs in, and its `HOME` (``SandboxLayout/workspace`` inside).
    public var workspace: URL
    /// The program's own variables, added to the allow-listed ones (and winning over them).
    public var environment: [String: String]
    /// Where the program's standard error is written (created or truncated), at most
    /// ``stderrLimit`` bytes of it.
    public var stderrFile: URL
    /// Bytes of standard error kept; the rest is read and counted but not written.
    public var stderrLimit: Int
    /// Whether to run inside bubblewrap.
    public var sandbox: ShellSandboxMode
    /// What the sandbox lets the program reach.
    public var access: SandboxAccess

    /// A request.
    public init(
        arguments: [String], workspace: URL, environment: [String: String] = [:], stderrFile: URL,
        stderrLimit: Int = 1024 * 1024, sandbox: ShellSandboxMode = .required, access: SandboxAccess = .minimal
    ) {
        self.arguments = arguments
        self.workspace = workspace
        self.environment = environment
        self.stderrFile = stderrFile
        self.stderrLimit = stderrLimit
        self.sandbox = sandbox
        self.access = access
    }
}

/// A running program started by ``ShellRunner/start(_:)``: the caller's ends of its stdin and
/// stdout pipes, and its process group to stop.
///
/// The caller owns ``input`` and ``output`` and closes them; closing ``input`` is the program's end
/// of input. The program is the leader of its own process group (inside bubblewrap, bubblewrap
/// is), which ``terminate(gracePeriod:)`` stops as a whole; when the leader exits, whatever it left
/// in its group is killed too.
public final class InteractiveProcess: Sendable {
    /// The write end of the program's stdin.
    public let input: Int32
    /// The read end of the program's stdout.
    public let output: Int32
    /// Whether the program runs in bubblewrap, or why not.
    public let sandbox: ShellSandbox
    /// Where its standard error is kept.
    public let stderrFile: URL
    private let child: ChildProcess
    private let ended: Locked<ShellTermination?>
    /// The one waiter for the child (``ChildProcess`` takes one), which then waits for stderr.
    private let exit: Task<ShellTermination, Never>

    init(
        input: Int32, output: Int32, sandbox: ShellSandbox, stderrFile: URL, child: ChildProcess,
        capture: PipeDrain, drainTimeout: Duration
    ) {
        self.input = input
        self.output = output
        self.sandbox = sandbox
        self.stderrFile = stderrFile
        self.child = child
        let ended = Locked<ShellTermination?>(nil)
        self.ended = ended
        exit = Task {
            let exit = await child.waitForExit()
            _ = await capture.finish(within: drainTimeout)
            ended.withLock { $0 = exit.termination }
            return exit.termination
        }
    }

    /// The process id of the group leader (bubblewrap, when sandboxed).
    public var processID: Int32 { child.pid }

    /// How the program ended, or nil while it runs.
    public var termination: ShellTermination? { ended.withLock { $0 } }

    /// Waits until the program has exited and its standard error is drained; returns how it ended.
    public func waitForExit() async -> ShellTermination {
        await exit.value
    }

    /// Stops the program's process group — SIGTERM, then SIGKILL after `gracePeriod` — and waits
    /// until it has exited.
    @discardableResult
    public func terminate(gracePeriod: Duration) async -> ShellTermination {
        child.terminate(.cancelled, gracePeriod: gracePeriod)
        return await waitForExit()
    }

    /// The end of what the program wrote to standard error so far (at most `maxBytes`), for
    /// messages; empty when it wrote nothing.
    public func stderrTail(maxBytes: Int = 2000) -> String {
        guard let handle = try? FileHandle(forReadingFrom: stderrFile) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension ShellRunner {
    /// Starts `request`'s program and returns at once, with pipes to its stdin and stdout and its
    /// standard error drained into a capped file.
    ///
    /// The program runs as a shell step would: the same sandbox (bubblewrap, the unprivileged user,
    /// seccomp, namespaces, the given access), the same allow-listed environment, its own session
    /// and process group. It is started as `exec 'arg0' 'arg1' …` by the step's shell, each argument
    /// one single-quoted word, so nothing in them is expanded; a program that is not found ends
    /// with exit status 127 and the shell's message on standard error.
    ///
    /// - Throws: ``ShellError`` when the program cannot start (no arguments, a NUL byte, a bad
    ///   workspace or environment, a `.required` sandbox unavailable, a spawn failure).
    public func start(_ request: ProcessRequest) async throws -> InteractiveProcess {
        guard let program = request.arguments.first, !program.isEmpty else {
            throw ShellError(.invalidCommand, "no program to start: the command is empty")
        }
        guard !request.arguments.contains(where: { $0.contains("\0") }) else {
            throw ShellError(.invalidCommand, "an argument contains a NUL byte")
        }
        let script = "exec " + request.arguments.map(Self.quoted).joined(separator: " ")
        let workspace = try Self.checkWorkspace(request.workspace)
        var environment = try ShellEnvironment.make(
            inherited: configuration.inheritedVariables, controller: configuration.controllerEnvironment,
            workspace: workspace, step: request.environment)
        let (sandbox, bubblewrap) = try await resolveSandbox(request.sandbox)
        var arguments = [configuration.shell, "-c", script]
        var descriptors: [Int32] = []
        var invocation: BubblewrapInvocation?
        if let bubblewrap {
            try SandboxScratch.handOver(workspace, to: bubblewrap.identity)
            let built = try bubblewrap.invocation(
                workspace: workspace, shell: configuration.shell, script: script,
                environment: BubblewrapInvocation.environment(
                    controller: configuration.controllerEnvironment, inherited: configuration.inheritedVariables,
                    network: request.access.network, step: request.environment),
                access: request.access, bridge: configuration.bridgeExecutable)
            arguments = built.arguments
            descriptors = built.descriptors
            environment = [:]
            invocation = built
        }
        try Task.checkCancellation()

        // Every descriptor opened here is closed on every path: `opened` until it is handed over.
        var opened: [Int32] = []
        func closeOpened() { for fd in opened { close(fd) } }
        let stdin: (read: Int32, write: Int32)
        let stdout: (read: Int32, write: Int32)
        let stderr: (read: Int32, write: Int32)
        let stderrFile: Int32
        do {
            stderrFile = try Self.openOutput(request.stderrFile)
            opened.append(stderrFile)
            stdin = try Self.makePipe()
            opened += [stdin.read, stdin.write]
            stdout = try Self.makePipe()
            opened += [stdout.read, stdout.write]
            stderr = try Self.makePipe()
            opened += [stderr.read, stderr.write]
        } catch {
            closeOpened()
            throw error
        }
        let child: ChildProcess
        do {
            child = try await ChildProcess.launch(
                SpawnSpec(
                    executable: arguments[0], arguments: arguments, environment: environment, directory: workspace,
                    stdin: stdin.read, stdout: stdout.write, stderr: stderr.write, descriptors: descriptors))
            withExtendedLifetime(invocation) {}
        } catch {
            closeOpened()
            throw error
        }
        // Only the child may hold its ends, or the pipes would never reach end of file.
        for fd in [stdin.read, stdout.write, stderr.write] { close(fd) }
        let capture = PipeDrain(reading: stderr.read, into: stderrFile, limit: max(0, request.stderrLimit))
        return InteractiveProcess(
            input: stdin.write, output: stdout.read, sandbox: sandbox, stderrFile: request.stderrFile, child: child,
            capture: capture, drainTimeout: configuration.outputDrainTimeout)
    }

    /// `text` as one single-quoted shell word: `'` is written `'\''`, and nothing else inside is
    /// special to a POSIX shell.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
