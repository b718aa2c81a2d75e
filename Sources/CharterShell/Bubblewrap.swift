import CharterFoundation
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// bubblewrap (`bwrap`): finding it, checking once that it works here, and its invocation for a step.
///
/// The sandbox a step gets (see ``SandboxLayout``, ``SandboxIdentity``, ``SeccompFilter``):
/// - a synthesized, read-only root: the system's program and library directories and
///   ``readOnlyPaths`` bound read-only, a minimal `/etc` written for the step, private `/tmp`,
///   `/proc` (a new pid namespace) and `/dev`; the workspace read-write at `/workspace`;
/// - new pid, IPC, UTS, cgroup and network namespaces: without a network grant only loopback
///   exists, with one the egress proxy decides every connection (``SandboxNetwork``);
/// - an unprivileged user with no capabilities and `no_new_privs`, under a seccomp filter;
/// - `--die-with-parent`: if the controller dies, the sandboxed processes die with it.
///
/// There is no `--new-session`: it would move the command out of the process group Charter signals
/// on cancel. The controller starts bubblewrap in a new session itself, which gives the same
/// protection from the terminal.
public struct Bubblewrap: Sendable, Hashable {
    /// Where bubblewrap is looked for, in order.
    public static let defaultCandidates = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"]

    /// `$CHARTER_BUBBLEWRAP` when the operator set it (a bubblewrap installed elsewhere), else
    /// ``defaultCandidates``.
    public static var configuredCandidates: [String] {
        guard let path = ProcessInfo.processInfo.environment["CHARTER_BUBBLEWRAP"], !path.isEmpty else {
            return defaultCandidates
        }
        return [path]
    }

    /// The `bwrap` executable.
    public var executable: String
    /// Extra host paths bound read-only, such as a toolchain in `/opt`.
    public var readOnlyPaths: [String]
    /// Who steps run as.
    public var identity: SandboxIdentity

    /// A sandbox description; nothing is checked until ``availability(candidates:readOnlyPaths:identity:)``.
    public init(executable: String, readOnlyPaths: [String] = [], identity: SandboxIdentity = SandboxIdentity()) {
        self.executable = executable
        self.readOnlyPaths = readOnlyPaths
        self.identity = identity
    }

    /// The mounts a step gets unless its access omits some.
    public var mounts: [SandboxMount] { SandboxLayout.mounts(extra: readOnlyPaths) }

    /// The invocation that runs `script` with `shell` in `workspace` (an absolute host path with
    /// symlinks resolved), which appears at ``SandboxLayout/workspace``.
    func invocation(
        workspace: String, shell: String = "/bin/sh", script: String, environment: [String: String],
        access: SandboxAccess, bridge: String?
    ) throws(ShellError) -> BubblewrapInvocation {
        try BubblewrapInvocation.make(
            BubblewrapInvocation.Plan(
                executable: executable, identity: identity, mounts: mounts, access: access, workspace: workspace,
                maskSource: try SandboxScratch.directory(), bridge: bridge, environment: environment, shell: shell,
                script: script))
    }

    /// Whether bubblewrap can be used here.
    public enum Availability: Sendable, Hashable {
        /// It is installed and ran a trivial command in the sandbox Charter uses.
        case usable(Bubblewrap)
        /// It is missing or does not work (for example without user namespaces); the reason says which.
        case unusable(reason: String)
    }

    private struct CacheKey: Hashable {
        var candidates: [String]
        var readOnlyPaths: [String]
        var identity: SandboxIdentity
    }
    private static let cache = Locked<[CacheKey: Task<Availability, Never>]>([:])

    /// The first of `candidates` that exists, after checking once per process that it can run
    /// `/bin/sh -c true` in the sandbox steps get (user namespaces may be disabled, `setpriv` or
    /// libseccomp missing, `TMPDIR` unwritable). The answer is cached for the life of the process.
    public static func availability(
        candidates: [String] = defaultCandidates, readOnlyPaths: [String] = [],
        identity: SandboxIdentity = SandboxIdentity()
    ) async -> Availability {
        let key = CacheKey(candidates: candidates, readOnlyPaths: readOnlyPaths, identity: identity)
        let task = cache.withLock { cache in
            if let task = cache[key] { return task }
            let task = Task { await probe(candidates: candidates, readOnlyPaths: readOnlyPaths, identity: identity) }
            cache[key] = task
            return task
        }
        return await task.value
    }

    private static func probe(
        candidates: [String], readOnlyPaths: [String], identity: SandboxIdentity
    ) async
        -> Availability
    {
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return .unusable(reason: "bubblewrap is not installed (looked for \(candidates.joined(separator: ", ")))")
        }
        let bubblewrap = Bubblewrap(executable: executable, readOnlyPaths: readOnlyPaths, identity: identity)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "charter-bwrap-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let workspace = realPath(scratch.path) ?? scratch.path
            let errors = scratch.appendingPathComponent("stderr").path
            let errorFD = open(errors, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            let nullFD = open("/dev/null", O_WRONLY | O_CLOEXEC)
            defer {
                close(errorFD)
                close(nullFD)
            }
            guard errorFD >= 0, nullFD >= 0 else { return .unusable(reason: "could not check \(executable)") }
            if identity.controllerIsRoot {
                try SandboxScratch.handOver(workspace, to: identity)
            }
            let invocation = try bubblewrap.invocation(
                workspace: workspace, script: "true", environment: [:], access: .minimal, bridge: nil)
            let child = try await ChildProcess.launch(
                SpawnSpec(
                    executable: executable, arguments: invocation.arguments, environment: [:],
                    directory: workspace, stdout: nullFD, stderr: errorFD, descriptors: invocation.descriptors))
            withExtendedLifetime(invocation.files) {}
            let exit = await child.waitForExit()
            if exit.termination == .exited(0) { return .usable(bubblewrap) }
            let message =
                (try? String(contentsOfFile: errors, encoding: .utf8))?
                .split(separator: "\n").first.map { String($0.prefix(200)) } ?? ""
            return .unusable(
                reason: "\(executable) does not work here (\(exit.termination))\(message.isEmpty ? "" : ": \(message)")"
            )
        } catch {
            return .unusable(reason: "\(executable) could not be checked: \(error)")
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
