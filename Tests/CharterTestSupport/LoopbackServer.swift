import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A server process (git daemon, sshd) on 127.0.0.1, killed with its whole process group when
/// stopped or released.
///
/// Started with posix_spawn rather than Foundation's `Process`: on Linux `Process` detects exit
/// through a descriptor the child inherits, and a server that closes its descriptors (sshd does at
/// startup) wedges `Process`'s monitor thread — and every later `Process` in the test run.
public final class LoopbackServer: @unchecked Sendable {
    public let pid: pid_t
    public let port: UInt16
    /// The server's stdout and stderr: a pipe nobody reads would eventually block it.
    public let logURL: URL
    private let lock = NSLock()
    private var stopped = false

    /// Starts `executable` with `arguments` (it must listen on `port`) in its own process group.
    public init(
        _ executable: String, _ arguments: [String], port: UInt16, log: URL, environment: [String: String] = [:]
    ) throws {
        self.port = port
        self.logURL = log
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // Its own process group, so the kill also reaches the connections' children.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { throw FixtureError("cannot start \(executable): error \(code)") }
        self.pid = pid
    }

    /// What the server logged so far.
    public var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Polls `connect()` until the server listens: at most 500 attempts with a short pause between
    /// them, giving up early if the server died. Stops the server when it never listens.
    public func waitUntilListening() async throws {
        for _ in 0..<500 {
            if Self.canConnect(port: port) { return }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == 0 else {
                lock.withLock { stopped = true }  // already exited and reaped
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let log = output
        stop()
        throw FixtureError("server on port \(port) never listened: \(log)")
    }

    /// Kills the server and its connections (its whole process group) and reaps it; idempotent.
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
