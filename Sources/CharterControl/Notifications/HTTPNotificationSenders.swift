import AsyncHTTPClient
import CharterBroker
import CharterFoundation
import CharterModel
import Crypto
import Foundation
import NIOCore

/// The signature of a webhook body, as Stripe and GitHub sign theirs: `t=UNIX,v1=HEX`, where HEX
/// is the lowercase hex HMAC-SHA256 under the shared secret of `UNIX` `.` BODY. A receiver
/// recomputes it over the raw body, compares in constant time, and refuses a `t` too far from its
/// clock (replays).
public enum WebhookSignature {
    /// The header carrying the signature.
    public static let header = "Charter-Signature"

    /// The header value for `body` sent at `timestamp` (Unix seconds) under `secret`.
    public static func value(secret: String, timestamp: Int, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}

/// Posts JSON to a URL the repository (or a secret) names, after the outbound address check;
/// shared by the webhook and Slack senders.
struct NotificationHTTP: Sendable {
    /// The most of an answer read: receivers answer with a few bytes, and a huge answer is cut.
    static let maximumAnswerBytes = 64 * 1024

    let client: HTTPClient
    let addresses: OutboundAddressRules
    /// The longest one request may take, answer included.
    let timeoutSeconds: Double

    /// POSTs `body`; `secrets` are hidden from every reason. `what` names the receiver in reasons
    /// (never the URL when the URL is a secret).
    func post(
        url: String, body: [UInt8], headers: [(String, String)], what: String, secrets: [String]
    ) async
        -> DeliveryOutcome
    {
        if let problem = HTTPEndpoint.problem(url) { return .permanent("\(what): the URL \(problem)") }
        do throws(OutboundRefusal) {
            try await addresses.check(url: url)
        } catch {
            return .permanent(Self.hide("\(what): not sent: \(error.description)", secrets))
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "charter/\(CharterVersion.current)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let client = self.client
        let prepared = request
        return await withDeliveryDeadline(timeoutSeconds, what: what) {
            do {
                let response = try await client.execute(prepared, deadline: .distantFuture)
                // Read a bounded part of the answer, then let the rest go.
                var read = 0
                for try await part in response.body {
                    read += part.readableBytes
                    if read > Self.maximumAnswerBytes { break }
                }
                let status = Int(response.status.code)
                switch status {
                case 200..<300: return .sent
                case 408, 429, 500..<600: return .transient("\(what) answered HTTP \(status)")
                case 300..<400:
                    return .permanent("\(what) answered HTTP \(status) (redirects are not followed; check the URL)")
                default: return .permanent("\(what) answered HTTP \(status)")
                }
            } catch {
                return .transient(Self.hide("\(what) could not be reached: \(error)", secrets))
            }
        }
    }

    /// `text` without any of `secrets`, and without user-info in URLs.
    static func hide(_ text: String, _ secrets: [String]) -> String {
        Redaction.redactURLs(String(decoding: Redaction.redact(Array(text.utf8), secrets: secrets), as: UTF8.self))
    }
}

/// The signed webhook: the event's JSON, `Charter-Signature`, `Charter-Event` and
/// `Charter-Delivery` headers.
struct WebhookSender: NotificationSender {
    let url: String
    let secret: NotificationRoute.SecretReference
    let http: NotificationHTTP
    let credentials: CredentialResolver

    func send(_ notification: OutgoingNotification) async -> DeliveryOutcome {
        let key: String
        do {
            key = try credentials.resolve(secret).revealed
        } catch {
            return .permanent("the webhook's signing secret: \(error)")
        }
        let body = Array(CanonicalJSON.string(notification.json).utf8)
        let timestamp = Int(notification.time.timeIntervalSince1970)
        return await http.post(
            url: url, body: body,
            headers: [
                (WebhookSignature.header, WebhookSignature.value(secret: key, timestamp: timestamp, body: body)),
                ("Charter-Event", notification.occurrence.type.rawValue),
                ("Charter-Delivery", notification.deliveryID),
            ], what: "the webhook", secrets: [key])
    }
}

/// A Slack-compatible incoming webhook: `text` for clients and notifications, one `section`
/// block in mrkdwn.
struct SlackSender: NotificationSender {
    let url: NotificationRoute.SecretReference
    let http: NotificationHTTP
    let credentials: CredentialResolver

    func send(_ notification: OutgoingNotification) async -> DeliveryOutcome {
        let target: String
        do {
            target = try credentials.resolve(url).revealed
        } catch {
            return .permanent("the Slack webhook URL: \(error)")
        }
        let text = Self.escape(notification.text)
        let body: Value = [
            "text": .string(Self.escape(notification.occurrence.title)),
            "blocks": [["type": "section", "text": ["type": "mrkdwn", "text": .string(text)]]],
        ]
        return await http.post(
            url: target, body: Array(CanonicalJSON.string(body).utf8), headers: [], what: "the Slack webhook",
            secrets: [target])
    }

    /// Slack's three control characters, escaped as its docs ask; a name like `<!channel>` in a
    /// resource then cannot ping everyone.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
