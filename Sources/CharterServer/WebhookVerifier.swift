import Crypto
import HTTPTypes
import Hummingbird

/// A delivery that proved it knows the secret (or that needed not, in unauthenticated mode).
struct VerifiedDelivery: Sendable, Hashable {
    var provider: WebhookProvider
    var event: String?
}

/// Why a delivery was refused: a short reason safe to send back, never the secret or a signature.
struct WebhookRejection: Error, Sendable, Hashable, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// Checks a delivery's signature or token against the secret.
///
/// The first header present decides the scheme, in this order: `X-Hub-Signature-256` (GitHub, and
/// Gitea/Forgejo which send it too), `X-Gitea-Signature`/`X-Forgejo-Signature`, `X-Gitlab-Token`,
/// `Authorization: Bearer`. Every scheme ends in one comparison of two SHA-256-sized values through
/// `compare`: HMACs for the signature schemes, digests of token and secret for the token schemes,
/// so neither where a guess goes wrong nor the secret's length shows in the timing.
struct WebhookVerifier: Sendable {
    /// nil only in unauthenticated mode, which the configuration allows on loopback alone.
    let secret: WebhookSecret?
    /// Injected so a test can prove every scheme goes through the constant-time comparison.
    var compare: @Sendable ([UInt8], [UInt8]) -> Bool = ConstantTime.equals

    func verify(headers: HTTPFields, body: [UInt8]) -> Result<VerifiedDelivery, WebhookRejection> {
        let delivery = Self.identify(headers)
        guard let secret else { return .success(delivery) }
        if let value = headers[Header.hubSignature256] {
            guard value.hasPrefix("sha256="), let signature = Hex.decode(value.dropFirst("sha256=".count)) else {
                return .failure(WebhookRejection(reason: "malformed X-Hub-Signature-256: expected sha256=<hex>"))
            }
            return check(signature, against: hmac(body, secret), delivery, "signature mismatch")
        }
        if let value = headers[Header.giteaSignature] ?? headers[Header.forgejoSignature] {
            guard let signature = Hex.decode(value) else {
                return .failure(WebhookRejection(reason: "malformed X-Gitea-Signature: expected hex"))
            }
            return check(signature, against: hmac(body, secret), delivery, "signature mismatch")
        }
        if let token = headers[Header.gitlabToken] {
            return check(digest(Array(token.utf8)), against: digest(secret.bytes), delivery, "token mismatch")
        }
        if let authorization = headers[.authorization] {
            let scheme = "bearer "
            guard authorization.lowercased().hasPrefix(scheme) else {
                return .failure(WebhookRejection(reason: "unsupported Authorization scheme: use Bearer"))
            }
            let token = Array(authorization.utf8.dropFirst(scheme.utf8.count))
            return check(digest(token), against: digest(secret.bytes), delivery, "token mismatch")
        }
        return .failure(
            WebhookRejection(
                reason: "missing signature: send X-Hub-Signature-256, X-Gitea-Signature, X-Gitlab-Token"
                    + " or Authorization: Bearer"))
    }

    private func check(
        _ presented: [UInt8], against expected: [UInt8], _ delivery: VerifiedDelivery, _ reason: String
    ) -> Result<VerifiedDelivery, WebhookRejection> {
        compare(presented, expected) ? .success(delivery) : .failure(WebhookRejection(reason: reason))
    }

    private func hmac(_ body: [UInt8], _ secret: WebhookSecret) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret.bytes)))
    }

    private func digest(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// The forge and event name, from the event headers. Gitea also sends `X-GitHub-Event` for
    /// compatibility, so its own headers are looked at first.
    static func identify(_ headers: HTTPFields) -> VerifiedDelivery {
        let candidates: [(HTTPField.Name, WebhookProvider)] = [
            (Header.giteaEvent, .gitea), (Header.forgejoEvent, .gitea), (Header.gogsEvent, .gitea),
            (Header.gitlabEvent, .gitlab), (Header.githubEvent, .github),
        ]
        for (name, provider) in candidates {
            if let event = headers[name] {
                return VerifiedDelivery(provider: provider, event: String(event.prefix(64)))
            }
        }
        return VerifiedDelivery(provider: .generic, event: nil)
    }
}

/// Header names of the forges' webhook requests.
enum Header {
    static let hubSignature256 = HTTPField.Name("X-Hub-Signature-256")!
    static let giteaSignature = HTTPField.Name("X-Gitea-Signature")!
    static let forgejoSignature = HTTPField.Name("X-Forgejo-Signature")!
    static let gitlabToken = HTTPField.Name("X-Gitlab-Token")!
    static let githubEvent = HTTPField.Name("X-GitHub-Event")!
    static let gitlabEvent = HTTPField.Name("X-Gitlab-Event")!
    static let giteaEvent = HTTPField.Name("X-Gitea-Event")!
    static let forgejoEvent = HTTPField.Name("X-Forgejo-Event")!
    static let gogsEvent = HTTPField.Name("X-Gogs-Event")!
}
