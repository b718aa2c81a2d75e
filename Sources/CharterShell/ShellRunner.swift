import CharterFoundation
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs shell steps: `/bin/sh -c COMMAND` in a workspace, with an allow-listed environment, stdin
/// from `/dev/null`, output captured to capped files, a timeout, cancellation that reaches the whole
/// process group, and bubblewrap around it where it works.
///
/// ```swift
/// let result = try await ShellRunner().run(
///     ShellRequest(command: "git log --oneline -5", workspace: workspace, outputDirectory: artifacts))
/// print(result.termination, result.sandbox)   // exit status 0, bubblewrap (/usr/bin/bwrap)
/// ```
public struct ShellRunner: Sendable {
    /// Settings shared by every step a runner starts.
    public struct Configuration: Sendable {
        /// Time between SIGTERM and SIGKILL when a step is cancelled or times out.
        public var terminationGracePeriod: Duration
        /// How long to wait, once the shell has exited, for its output pipes to reach end of file.
        public var outputDrainTimeout: Duration
        /// Controller variables copied into each step (see ``ShellEnvironment``).
        public var inheritedVariables: [String]
        /// The controller's environment, from which ``inheritedVariables`` are taken.
        public var controllerEnvironment: [String: String]
        /// The shell that runs the command.
        public var shell: String
        /// Where bubblewrap is looked for.
        public var bubblewrapCandidates: [String]
        /// Extra host paths bound read-only in the sandbox.
        public var sandboxReadOnlyPaths: [String]
        /// Who sandboxed steps run as.
        public var identity: SandboxIdentity
        /// The `charter-netbridge` executable that steps with network run under; by default the one
        /// next to this process's executable.
        public var bridgeExecutable: String?

        /// Defaults: a 5 s grace period, a 2 s drain, the default allow-list from this process's
        /// environment, `/bin/sh`, bubblewrap at `$CHARTER_BUBBLEWRAP` or in `/usr/bin` or
        /// `/usr/local/bin`, `nobody` as the step
        /// user of a root controller, and `charter-netbridge` next to this executable.
        public init(
            terminationGracePeriod: Duration = .seconds(5), outputDrainTimeout: Duration = .seconds(2),
            inheritedVariables: [String] = ShellEnvironment.defaultInherited,
            controllerEnvironment: [String: String] = ProcessInfo.processInfo.environment, shell: String = "/bin/sh",
            bubblewrapCandidates: [String] = Bubblewrap.configuredCandidates, sandboxReadOnlyPaths: [String] = [],
            identity: SandboxIdentity = SandboxIdentity(), bridgeExecutable: String? = ShellRunner.siblingBridge
        ) {
            self.terminationGracePeriod = terminationGracePeriod
            self.outputDrainTimeout = outputDrainTimeout
            self.inheritedVariables = inheritedVariables
            self.controllerEnvironment = controllerEnvironment
            self.shell = shell
            self.bubblewrapCandidates = bubblewrapCandidates
            self.sandboxReadOnlyPaths = sandboxReadOnlyPaths
            self.identity = identity
            self.bridgeExecutable = bridgeExecutable
        }
    }

    /// `charter-netbridge` in the directory of this process's executable, if it is there.
    public static var siblingBridge: String? {
        guard let executable = Bubblewrap.realPath("/proc/self/exe") else { return nil }
        let path = (executable as NSString).deletingLastPathComponent + "/charter-netbridge"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The runner's settings.
    public var configuration: Configuration

    /// A runner with `configuration`.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The host paths a sandboxed step sees by default, which run rules may omit.
    public var sandboxMounts: [SandboxMount] { SandboxLayout.mounts(extra: configuration.sandboxReadOnlyPaths) }

    /// What `mode` means on this machine: bubblewrap, or no sandbox and why.
    ///
    /// - Throws: ``ShellError/Kind/sandboxUnavailable`` when `mode` is `.required` and bubblewrap
    ///   does not work here.
    public func sandbox(for mode: ShellSandboxMode) async throws -> ShellSandbox {
        try await resolveSandbox(mode).sandbox
    }

    /// Runs `request` to the end and describes how it ended.
    ///
    /// Cancelling the calling task stops the step: SIGTERM to its process group, SIGKILL after the
    /// grace period. The step's end is still awaited and its output kept, and the result comes back
    /// with ``ShellResult/stopReason`` `.cancelled` instead of a thrown `CancellationError`, so the
    /// run record can show what the step printed before it was stopped. An expired
    /// ``ShellRequest/timeout`` ends the same way with `.timedOut`. When the shell exits, whatever
    /// it left running in its process group is killed.
    ///
    /// - Throws: ``ShellError`` when the step cannot start (bad workspace, environment or output
    ///   file; `.required` sandbox unavailable; spawn failure), and `CancellationError` when the
    ///   task was cancelled before the process started.
    public func run(_ request: ShellRequest) async throws -> ShellResult {
        let workspace = try Self.checkWorkspace(request.workspace)
        guard !request.command.contains("\0") else {
            throw ShellError(.invalidCommand, "the command contains a NUL byte")
        }
        // Checks the step's variables whether or not it ends up sandboxed.
        var environment = try ShellEnvironment.make(
            inherited: configuration.inheritedVariables, controller: configuration.controllerEnvironment,
            workspace: workspace, step: request.environment)
        let (sandbox, bubblewrap) = try await resolveSandbox(request.sandbox)
        let command = [configuration.shell, "-c", request.command]
        var arguments = command
        var descriptors: [Int32] = []
        var invocation: BubblewrapInvocation?
        if let bubblewrap {
            try SandboxScratch.handOver(workspace, to: bubblewrap.identity)
            let built = try bubblewrap.invocation(
                workspace: workspace, shell: configuration.shell, script: request.command,
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

        let stdoutFile = try Self.openOutput(request.stdoutFile)
        let stderrFile: Int32
        do { stderrFile = try Self.openOutput(request.stderrFile) } catch {
            close(stdoutFile)
            throw error
        }
        let stdoutPipe: (read: Int32, write: Int32)
        let stderrPipe: (read: Int32, write: Int32)
        do {
            stdoutPipe = try Self.makePipe()
            do { stderrPipe = try Self.makePipe() } catch {
                close(stdoutPipe.read)
                close(stdoutPipe.write)
                throw error
            }
        } catch {
            close(stdoutFile)
            close(stderrFile)
            throw error
        }
        let capture = OutputCapture(
            stdout: (stdoutPipe.read, stdoutFile), stderr: (stderrPipe.read, stderrFile),
            limit: max(0, request.outputLimit))

        let startedAt = Date()
        let child: ChildProcess
        do {
            child = try await ChildProcess.launch(
                SpawnSpec(
                    executable: arguments[0], arguments: arguments, environment: environment, directory: workspace,
                    stdout: stdoutPipe.write, stderr: stderrPipe.write, descriptors: descriptors))
            // The in-memory files stay open until the child has its own copies.
            withExtendedLifetime(invocation) {}
        } catch {
            close(stdoutPipe.write)
            close(stderrPipe.write)
            _ = await capture.finish(within: .zero)
            throw error
        }
        // Only the child may hold the write ends, or the pipes would never reach end of file.
        close(stdoutPipe.write)
        close(stderrPipe.write)

        let grace = configuration.terminationGracePeriod
        let timeout = request.timeout.map { timeout in
            let item = DispatchWorkItem { child.terminate(.timedOut, gracePeriod: grace) }
            ChildProcess.timers.asyncAfter(deadline: .now() + timeout.timeInterval, execute: item)
            return item
        }
        let exit = await withTaskCancellationHandler {
            await child.waitForExit()
        } onCancel: {
            child.terminate(.cancelled, gracePeriod: grace)
        }
        timeout?.cancel()
        let output = await capture.finish(within: configuration.outputDrainTimeout)

        return ShellResult(
            termination: exit.termination, stopReason: child.stopReason,
            killedAfterGracePeriod: child.killedAfterGracePeriod, processID: child.pid, startedAt: startedAt,
            duration: exit.endedAt - child.startedAt, userCPUTime: exit.userCPUTime, systemCPUTime: exit.systemCPUTime,
            stdout: ShellOutput(
                file: request.stdoutFile, bytesWritten: output.stdout.written, bytesProduced: output.stdout.produced),
            stderr: ShellOutput(
                file: request.stderrFile, bytesWritten: output.stderr.written, bytesProduced: output.stderr.produced),
            sandbox: sandbox)
    }

    func resolveSandbox(_ mode: ShellSandboxMode) async throws -> (sandbox: ShellSandbox, Bubblewrap?) {
        if mode == .disabled { return (.none(reason: "sandboxing is disabled for this step"), nil) }
        switch await Bubblewrap.availability(
            candidates: configuration.bubblewrapCandidates, readOnlyPaths: configuration.sandboxReadOnlyPaths,
            identity: configuration.identity)
        {
        case .usable(let bubblewrap):
            return (.bubblewrap(executable: bubblewrap.executable), bubblewrap)
        case .unusable(let reason):
            if mode == .required {
                throw ShellError(
                    .sandboxUnavailable,
                    "the step requires a sandbox, but \(reason); install bubblewrap (Debian: apt-get install bubblewrap) and enable user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run the controller as root, or let a Policy allow unsandboxed runs (runRules.allowUnsandboxed: true)"
                )
            }
            return (.none(reason: reason), nil)
        }
    }

    /// The workspace as an absolute path with symlinks resolved, which bubblewrap binds as is.
    static func checkWorkspace(_ url: URL) throws -> String {
        guard url.isFileURL, url.path.hasPrefix("/") else {
            throw ShellError(.invalidWorkspace, "the workspace \(url) is not an absolute file path")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue,
            let resolved = Bubblewrap.realPath(url.path)
        else {
            throw ShellError(.invalidWorkspace, "the workspace \(url.path) does not exist or is not a directory")
        }
        return resolved
    }

    static func openOutput(_ url: URL) throws -> Int32 {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ShellError.system(.outputFile, "could not open \(url.path)", errno: errno) }
        return fd
    }

    static func makePipe() throws -> (read: Int32, write: Int32) {
        // Close-on-exec from the start; the step gets them through dup2 only.
        switch CloseOnExecPipe.make() {
        case .success(let ends): return ends
        case .failure(let error): throw ShellError.system(.spawnFailed, "could not create a pipe", errno: error.errno)
        }
    }
}
