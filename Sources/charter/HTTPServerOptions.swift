import ArgumentParser
import CharterServer
import Foundation

/// `charter controller`'s HTTP server: where it listens and the tokens that open it.
struct HTTPServerOptions: ParsableArguments {
    @Option(
        name: .customLong("http-listen"),
        help: ArgumentHelp(
            "Serve the API (/api/v1), the dashboard (/), /metrics, /healthz and /readyz on HOST:PORT"
                + " (loopback by default); push webhooks too when a webhook secret is set.",
            valueName: "HOST:PORT"))
    var httpListen: String?
    @Option(
        name: .customLong("read-token-env"),
        help: ArgumentHelp(
            "The environment variable holding a bearer token for reading (needed off loopback).", valueName: "NAME"))
    var readTokenEnv: [String] = []
    @Option(
        name: .customLong("operator-token-env"),
        help: ArgumentHelp(
            "The environment variable holding a bearer token that may also start and cancel runs and submit votes.",
            valueName: "NAME"))
    var operatorTokenEnv: [String] = []

    func validate() throws {
        for name in readTokenEnv + operatorTokenEnv {
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ValidationError("token variable \(name) is not set or empty")
            }
            guard value.utf8.count >= 16 else {
                throw ValidationError(
                    "the token in \(name) is shorter than 16 bytes; use a random one (openssl rand -hex 32)")
            }
        }
    }

    /// Who may do what on a server bound to `host`.
    func access(host: String) -> APIAccess {
        let environment = ProcessInfo.processInfo.environment
        let tokens: [(token: String, scope: APIAccess.Scope)] =
            readTokenEnv.compactMap { environment[$0].map { ($0, .read) } }
            + operatorTokenEnv.compactMap { environment[$0].map { ($0, .operator) } }
        return APIAccess(host: host, tokens: tokens)
    }
}
