import Foundation

/// `git daemon` serving every repository under a directory on 127.0.0.1, pushes included
/// (`--export-all --enable=receive-pack`), so tests reach a real remote over git:// — which, unlike
/// `file://`, enforces compare-and-swap on ref updates.
public final class LoopbackGitDaemon: Sendable {
    public let server: LoopbackServer

    public var port: UInt16 { server.port }
    /// The daemon's stdout and stderr.
    public var logURL: URL { server.logURL }
    /// What the daemon logged so far.
    public var log: String { server.output }

    /// The git:// URL of repository `name` (relative to the served directory).
    public func url(_ name: String) -> String { "git://127.0.0.1:\(port)/\(name)" }

    /// Starts the daemon on a free port and returns once it accepts connections.
    public init(serving base: URL, environment: [String: String] = [:]) async throws {
        let port = try LoopbackServer.freePort()
        var env = ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"]
        env.merge(environment) { $1 }
        // git-daemon itself rather than the `git daemon` wrapper, so killing the process stops the server.
        server = try LoopbackServer(
            "/usr/lib/git-core/git-daemon",
            [
                "--reuseaddr", "--base-path=\(base.path)", "--export-all", "--enable=receive-pack",
                "--port=\(port)", "--listen=127.0.0.1", base.path,
            ],
            port: port, log: base.deletingLastPathComponent().appendingPathComponent("git-daemon-\(port).log"),
            environment: env)
        try await server.waitUntilListening()
    }

    /// Kills the daemon and its connections; idempotent.
    public func stop() { server.stop() }
}
