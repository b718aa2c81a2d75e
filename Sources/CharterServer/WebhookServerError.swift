/// Why the webhook server refused to start or stopped. Messages never contain the secret.
public struct WebhookServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: Sendable, Hashable {
        /// No secret is configured and unauthenticated deliveries were not allowed.
        case missingSecret
        /// Unauthenticated deliveries were allowed on an address other machines can reach.
        case unauthenticatedNotLoopback
        /// A setting is out of range (port, body limit, empty host).
        case invalidConfiguration
        /// The server stopped, or failed to bind, before it listened.
        case notListening
    }

    /// The class of failure.
    public var kind: Kind
    /// What happened and what to do.
    public var message: String

    /// An error of `kind`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
