import CharterMetrics
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging

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
    readiness: Readiness = Readiness(.ready), logger: Logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
    metrics: CharterMetrics = .global, readTimeout: Duration = WebhookServerConfiguration.defaultReadTimeout
) throws(WebhookServerError) -> WebhookServer {
    try WebhookServer(
        configuration: WebhookServerConfiguration(
            port: 0, secret: secret, allowUnauthenticated: allowUnauthenticated, maximumBodyBytes: maximumBodyBytes,
            readTimeout: readTimeout),
        readiness: readiness, logger: logger, metrics: metrics)
}

/// Collects what a `Logger` receives, for checking levels and that no secret reaches the log.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    /// A logger whose lines are recorded as `level message [fields]`.
    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel = Logger.Level.trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).map { "\($0.key)=\($0.value)" }.sorted()
            let line = "\(event.level) \(event.message) \(fields)"
            recorder.lock.withLock { recorder.lines.append(line) }
        }
    }
}

/// Counts calls, from any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
