import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// bubblewrap (`bwrap`): finding it, checking once that it works here, and its command line for a step.
///
/// The sandbox a step gets:
/// - read-only: `/usr`, `/etc` and the top-level `/bin`, `/sbin`, `/lib*` (recreated as symlinks
///   where the host has merged `/usr`), plus ``readOnlyPaths``;
/// - read-write: the workspace, at its own path, as the working directory;
/// - private: `/tmp` (a tmpfs), `/proc` (a new pid namespace), `/dev` (a minimal set), IPC and
///   hostname namespaces; everything else on the host is absent;
/// - no capabilities (`--cap-drop ALL`), so a controller running as root cannot remount the
///   read-only binds;
/// - the network is shared: steps such as `git clone` or package downloads need it;
/// - `--die-with-parent`: if the controller dies, the sandboxed processes die with it.
///
/// There is no `--new-session`: it would move the command out of the process group Charter signals
/// on cancel. The controller starts bubblewrap in a new session itself, which gives the same
/// protection from the terminal.
public struct Bubblewrap: Sendable, Hashable {
    /// Where bubblewrap is looked for, in order.
    public static let defaultCandidates = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"]
    /// System directories bound read-only (or recreated as symlinks) when they exist.
    public static let systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"]

    /// The `bwrap` executable.
    public var executable: String
    /// Extra host paths bound read-only, such as a toolchain in `/opt`.
    public var readOnlyPaths: [String]

    /// A sandbox description; nothing is checked until ``availability(candidates:readOnlyPaths:)``.
    public init(executable: String, readOnlyPaths: [String] = []) {
        self.executable = executable
        self.readOnlyPaths = readOnlyPaths
    }

    /// The arguments to `bwrap` that run `command` (an argument vector) in `workspace`, an absolute
    /// path with symlinks resolved.
    public func arguments(workspace: String, command: [String]) -> [String] {
        var args = [
            "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--cap-drop", "ALL",
        ]
        var bound: [String] = []
        for path in Self.systemPaths + readOnlyPaths {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFLNK, let target = Self.readLink(path) {
                args += ["--symlink", target, path]
            } else {
                args += ["--ro-bind", path, path]
                bound.append(path)
            }
        }
        // A stub resolver (systemd-resolved) makes /etc/resolv.conf a link into /run, which is not
        // bound: bind the directory it points into, or name resolution fails inside.
        if let resolver = Self.realPath("/etc/resolv.conf"),
            !bound.contains(where: { resolver == $0 || resolver.hasPrefix($0 + "/") })
        {
            let directory = (resolver as NSString).deletingLastPathComponent
            args += ["--ro-bind-try", directory, directory]
        }
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        // After the /tmp tmpfs, so a workspace under /tmp is bound over it rather than hidden by it.
        args += ["--bind", workspace, workspace, "--chdir", workspace, "--"]
        return args + command
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
    }
    private static let cache = Locked<[CacheKey: Task<Availability, Never>]>([:])

    /// The first of `candidates` that exists, after checking once per process that it can run
    /// `/bin/sh -c true` with the same flags steps get (user namespaces may be disabled, for
    /// example in some containers). The answer is cached for the life of the process.
    public static func availability(
        candidates: [String] = defaultCandidates, readOnlyPaths: [String] = []
    ) async -> Availability {
        let key = CacheKey(candidates: candidates, readOnlyPaths: readOnlyPaths)
        let task = cache.withLock { cache in
            if let task = cache[key] { return task }
            let task = Task { await probe(candidates: candidates, readOnlyPaths: readOnlyPaths) }
            cache[key] = task
            return task
        }
        return await task.value
    }

    private static func probe(candidates: [String], readOnlyPaths: [String]) async -> Availability {
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return .unusable(reason: "bubblewrap is not installed (looked for \(candidates.joined(separator: ", ")))")
        }
        let bubblewrap = Bubblewrap(executable: executable, readOnlyPaths: readOnlyPaths)
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
            let child = try await ChildProcess.launch(
                SpawnSpec(
                    executable: executable,
                    arguments: [executable]
                        + bubblewrap.arguments(workspace: workspace, command: ["/bin/sh", "-c", "true"]),
                    environment: ["PATH": ShellEnvironment.fallbackPath], directory: workspace, stdout: nullFD,
                    stderr: errorFD))
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

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
