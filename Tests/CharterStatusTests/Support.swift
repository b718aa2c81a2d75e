import CharterStatus
import CharterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct SupportError: Error, CustomStringConvertible {
    var description: String
}

/// Runs `git` with a fixed identity and no user or system configuration; returns trimmed stdout.
@discardableResult
func git(_ args: String..., in directory: URL) throws -> String {
    try GitFixture.run(["-C", directory.path] + args)
}

/// Runs a program, feeding nothing on stdin, and returns its raw stdout; throws on a non-zero exit.
func runCapturingBytes(_ executable: String, _ arguments: [String]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw SupportError(description: "\(executable) exited with \(process.terminationStatus)")
    }
    return [UInt8](data)
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freePort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SupportError(description: "socket failed") }
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
    guard bound else { throw SupportError(description: "bind failed") }
    return UInt16(bigEndian: address.sin_port)
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func canConnect(port: UInt16) -> Bool {
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

/// `git daemon` serving every repository under a directory on loopback, pushes included; killed (with its
/// process group) when released.
///
/// Started with posix_spawn rather than Foundation's `Process`, as in CharterGitTests: on Linux `Process`
/// detects exit through a descriptor the child inherits, and a server that closes its descriptors wedges
/// `Process`'s monitor thread — and every later `Process` in the run.
final class GitDaemon: @unchecked Sendable {
    let pid: pid_t
    let port: UInt16
    let logURL: URL

    /// The git:// URL of repository `name` under the served directory.
    func url(_ name: String) -> String { "git://127.0.0.1:\(port)/\(name)" }

    init(base: URL) async throws {
        port = try freePort()
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
        guard code == 0 else { throw SupportError(description: "cannot start git-daemon: \(code)") }
        self.pid = pid
        for _ in 0..<500 {
            if canConnect(port: port) { return }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == 0 else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        throw SupportError(description: "git-daemon on port \(port) never listened: \(log)")
    }

    deinit {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

/// A value shared with a `@Sendable` closure.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    func withValue<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&stored) } }
}

/// The events file of `writer`'s pending batch; fails the test when nothing is pending.
func flush(
    _ writer: inout EventLogWriter, sourceLocation: SourceLocation = #_sourceLocation
) throws -> (path: String, bytes: [UInt8]) {
    let file = writer.flush()
    return try #require(file, sourceLocation: sourceLocation)
}
