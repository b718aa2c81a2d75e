import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `git daemon` serving every repository under a directory on 127.0.0.1, pushes included
/// (`--export-all --enable=receive-pack`), so tests reach a real remote over git:// — which, unlike
/// `file://`, enforces compare-and-swap on ref updates.
///
/// Started with posix_spawn rather than Foundation's `Process` (as in CharterGitTests and
/// CharterStatusTests): on Linux `Process` detects exit through a descriptor the child inherits, and a
/// server that closes its descriptors wedges `Process`'s monitor thread — and every later `Process` in
/// the run. The daemon runs in its own process group, so ``stop()`` (or releasing the value) also kills
/// the per-connection children it forked, and the daemon itself is reaped (no zombie).
public final class LoopbackGitDaemon: @unchecked Sendable {
    public let pid: pid_t
    public let port: UInt16
    /// The daemon's stdout and stderr: a pipe nobody reads would eventually block it.
    public let logURL: URL
    private let lock = NSLock()
    private var stopped = false

    /// The git:// URL of repository `name` (relative to the served directory).
    public func url(_ name: String) -> String { "git://127.0.0.1:\(port)/\(name)" }

    /// What the daemon logged so far.
    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Starts the daemon on a free port and returns once it accepts connections (a bounded connect poll).
    public init(serving base: URL) async throws {
        port = try Self.freePort()
        logURL = base.deletingLastPathComponent().appendingPathComponent("git-daemon-\(port).log")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        // git-daemon itself rather than the `git daemon` wrapper, so killing the process stops the server.
        let executable = "/usr/lib/git-core/git-daemon"
        let arguments = [
            executable, "--reuseaddr", "--base-path=\(base.path)", "--export-all", "--enable=receive-pack",
            "--port=\(port)", "--listen=127.0.0.1", base.path,
        ]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { throw FixtureError("cannot start \(executable): error \(code)") }
        self.pid = pid
        // Bounded: at most 500 connect attempts, a short pause between them; gives up early if it died.
        for _ in 0..<500 {
            if Self.canConnect(port: port) { return }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == 0 else {
                stopped = true  // already exited and reaped
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let output = log
        stop()
        throw FixtureError("git-daemon on port \(port) never listened: \(output)")
    }

    /// Kills the daemon and its connections (its whole process group) and reaps it; idempotent.
    public func stop() {
        let alreadyStopped = lock.withLock {
            defer { stopped = true }
            return stopped
        }
        guard !alreadyStopped else { return }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit { stop() }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw FixtureError("bind failed") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
