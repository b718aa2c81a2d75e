import CharterFoundation
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private directory of this process under the system's temporary directory, created once: the
/// inaccessible file and directory bound over masked paths, and the egress sockets of steps with
/// network (a Unix socket path must be short, which a data directory's path may not be).
public enum SandboxScratch {
    private static let created = Locked<Result<String, ShellError>?>(nil)

    /// The directory (mode 0700), created on first use with `file` and `directory` inside (mode 0).
    ///
    /// - Throws: ``ShellError/Kind/sandboxUnavailable`` when it cannot be created (for example an
    ///   unwritable `TMPDIR`), since no step can be sandboxed without it.
    public static func directory() throws(ShellError) -> String {
        let result = created.withLock { created in
            if let created { return created }
            let made = Result<String, ShellError> { () throws(ShellError) in try make() }
            created = made
            return made
        }
        return try result.get()
    }

    /// A fresh path for one step's egress socket inside ``directory()``.
    public static func socketPath() throws(ShellError) -> String {
        "\(try directory())/egress-\(UUID().uuidString.prefix(13).lowercased()).sock"
    }

    /// Gives `workspace` (the directory itself, not what it holds) to the step user of a root
    /// controller, so the unprivileged step can write to it.
    static func handOver(_ workspace: String, to identity: SandboxIdentity) throws(ShellError) {
        guard identity.controllerIsRoot else { return }
        guard lchown(workspace, identity.unprivilegedUID, identity.unprivilegedGID) == 0 else {
            throw ShellError.system(
                .invalidWorkspace, "could not give the workspace \(workspace) to the step user", errno: errno)
        }
    }

    /// `TMPDIR/charter-sandbox-UID`, shared by this user's processes and checked like `ssh-agent`
    /// checks its directory: a directory, not a link, owned by this user, mode 0700 — anything
    /// else (another user planting it first) is refused.
    private static func make() throws(ShellError) -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let directory = "\(base)/charter-sandbox-\(geteuid())"
        func fail(_ what: String, _ code: Int32 = errno) -> ShellError {
            ShellError.system(
                .sandboxUnavailable,
                "could not prepare \(directory) for the sandbox (\(what); set TMPDIR to a writable directory)",
                errno: code)
        }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw fail("mkdir") }
        var info = stat()
        guard lstat(directory, &info) == 0 else { throw fail("lstat") }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
            throw ShellError(
                .sandboxUnavailable,
                "\(directory) is not a private directory of this user: remove it, or set TMPDIR to a writable directory"
            )
        }
        let file = open("\(directory)/file", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0)
        guard file >= 0 else { throw fail("file") }
        close(file)
        if mkdir("\(directory)/directory", 0) != 0 && errno != EEXIST { throw fail("directory") }
        removeStaleSockets(in: directory)
        for (name, kind) in [("file", S_IFREG), ("directory", S_IFDIR)] {
            guard lstat("\(directory)/\(name)", &info) == 0, info.st_mode & S_IFMT == kind else { throw fail(name) }
            guard info.st_mode & 0o7777 == 0 || chmod("\(directory)/\(name)", 0) == 0 else { throw fail("chmod") }
        }
        return directory
    }
}

/// Removes egress sockets nobody listens on any more: a controller killed during a step leaves its
/// socket behind, and the names are unique, so they would only pile up.
private func removeStaleSockets(in directory: String) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    for name in names where name.hasPrefix("egress-") && name.hasSuffix(".sock") {
        let path = "\(directory)/\(name)"
        // Non-blocking: a live listener whose backlog is full (a stuck process) answers EAGAIN at
        // once instead of holding this thread, and the first sandbox of the process, forever.
        let fd = socket(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { continue }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected != 0 && errno == ECONNREFUSED { unlink(path) }
    }
}
