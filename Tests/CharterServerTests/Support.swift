import Crypto
import Foundation
import HTTPTypes
import Hummingbird

@testable import CharterServer

/// A secret that is easy to spot if it ever leaks into a response, an error or a log line.
let secretText = "s3cr3t-CANARY-7f1e"
let secret = WebhookSecret(Array(secretText.utf8))!

let pushBody = Array(#"{"ref":"refs/heads/main","after":"0123456789abcdef"}"#.utf8)

/// The lowercase hex HMAC-SHA256 of `body` under `key`, as GitHub and Gitea compute it.
func hmacHex(_ body: [UInt8], key: String = secretText) -> String {
    HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(key.utf8)))
        .map { String(format: "%02x", $0) }.joined()
}

func field(_ name: String) -> HTTPField.Name { HTTPField.Name(name)! }

/// Headers for each scheme, signed with `key`.
enum Scheme: String, CaseIterable, Sendable, CustomStringConvertible {
    case github, gitea, forgejo, gitlab, bearer

    func headers(for body: [UInt8], key: String = secretText) -> HTTPFields {
        switch self {
        case .github:
            [field("X-GitHub-Event"): "push", field("X-Hub-Signature-256"): "sha256=" + hmacHex(body, key: key)]
        case .gitea: [field("X-Gitea-Event"): "push", field("X-Gitea-Signature"): hmacHex(body, key: key)]
        case .forgejo: [field("X-Forgejo-Event"): "push", field("X-Forgejo-Signature"): hmacHex(body, key: key)]
        case .gitlab: [field("X-Gitlab-Event"): "Push Hook", field("X-Gitlab-Token"): key]
        case .bearer: [.authorization: "Bearer " + key]
        }
    }

    var provider: WebhookProvider {
        switch self {
        case .github: .github
        case .gitea, .forgejo: .gitea
        case .gitlab: .gitlab
        case .bearer: .generic
        }
    }

    var description: String { rawValue }
}

func makeServer(
    secret: WebhookSecret? = secret, allowUnauthenticated: Bool = false, maximumBodyBytes: Int = 1 << 20,
    readiness: @escaping @Sendable () async -> Bool = { true }, log: @escaping WebhookLog = { _, _, _ in }
) throws(WebhookServerError) -> WebhookServer {
    try WebhookServer(
        configuration: WebhookServerConfiguration(
            port: 0, secret: secret, allowUnauthenticated: allowUnauthenticated, maximumBodyBytes: maximumBodyBytes),
        readiness: readiness, log: log)
}

/// Collects what a `WebhookLog` receives, for checking that no secret reaches the log.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var log: WebhookLog {
        { level, message, fields in
            let line = "\(level) \(message) \(fields.sorted { $0.key < $1.key })"
            self.lock.withLock { self.lines.append(line) }
        }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

/// Counts calls, from any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
