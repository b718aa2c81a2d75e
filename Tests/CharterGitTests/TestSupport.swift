import CharterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A directory under the system temp dir, removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init(_ label: String = "charter-git") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func sub(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

struct CommandError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a program to completion and returns its standard output.
@discardableResult
func run(
    _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
) throws -> String {
    let result = try ProcessRunner.run(
        URL(fileURLWithPath: executable), arguments,
        environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, directory: directory)
    guard result.status == 0 else {
        throw CommandError(description: "\(executable) \(arguments.joined(separator: " ")) failed: \(result.stderr)")
    }
    return result.stdout
}

/// The git CLI as an independent cross-check, isolated from the user's and system configuration.
struct GitCLI {
    let home: URL

    var environment: [String: String] {
        ["GIT_CONFIG_NOSYSTEM": "1", "HOME": home.path, "GIT_TERMINAL_PROMPT": "0"]
    }

    @discardableResult
    func callAsFunction(_ arguments: String..., in directory: URL) throws -> String {
        try run(arguments, in: directory)
    }

    @discardableResult
    func run(_ arguments: [String], in directory: URL) throws -> String {
        let identity = [
            "-c", "user.name=Test User", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main",
        ]
        return try CharterGitTests.run("/usr/bin/git", identity + arguments, in: directory, environment: environment)
    }
}

/// A non-bare repository built with the git CLI.
struct Fixture {
    let temp: TemporaryDirectory
    let git: GitCLI
    let work: URL

    init() throws {
        temp = try TemporaryDirectory()
        let home = temp.sub("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        git = GitCLI(home: home)
        work = temp.sub("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try git("init", "-q", in: work)
    }

    func write(_ path: String, _ contents: String) throws {
        let url = work.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: work.appendingPathComponent(path))
    }

    /// Writes `files`, stages everything and commits; returns the new commit id from `git rev-parse`.
    @discardableResult
    func commit(_ files: [String: String], message: String = "change") throws -> String {
        for (path, contents) in files { try write(path, contents) }
        try git("add", "-A", in: work)
        try git("commit", "-q", "--allow-empty", "-m", message, in: work)
        return try revParse("HEAD")
    }

    func revParse(_ rev: String, in directory: URL? = nil) throws -> String {
        try git("rev-parse", "--verify", "-q", rev + "^{commit}", in: directory ?? work)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A bare clone, as a remote to fetch from or push to.
    func bareClone(named name: String) throws -> URL {
        let url = temp.sub(name)
        try git("clone", "-q", "--bare", work.path, url.path, in: temp.url)
        return url
    }
}

/// Servers in tests are the shared loopback servers of CharterTestSupport.
typealias Server = LoopbackServer

/// Starts `git daemon` serving every repository under `base`, pushes included.
func startGitDaemon(base: URL, git: GitCLI) async throws -> Server {
    let port = try LoopbackServer.freePort()
    // git-daemon itself rather than the `git daemon` wrapper, so killing the process stops the server.
    let server = try Server(
        "/usr/lib/git-core/git-daemon",
        [
            "--reuseaddr", "--base-path=\(base.path)", "--export-all", "--enable=receive-pack",
            "--port=\(port)", "--listen=127.0.0.1", base.path,
        ],
        port: port, log: base.appendingPathComponent("../git-daemon-\(port).log").standardizedFileURL,
        environment: git.environment)
    try await server.waitUntilListening()
    return server
}
