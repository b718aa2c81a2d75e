import Crypto
import HTTPTypes
import Hummingbird

/// Who may read and who may act through the controller's HTTP server (API, dashboard, metrics).
///
/// Reading needs no token only while the server listens on a loopback address: whoever reaches it
/// is already on this machine. On any other address, and for every write (start or cancel a run,
/// submit a vote), a request carries `Authorization: Bearer TOKEN` with a token of the right scope.
/// Tokens come from environment variables (credential references), never from the repository.
public struct APIAccess: Sendable {
    /// What a token allows.
    public enum Scope: String, Sendable, Hashable, Comparable {
        /// Every `GET`: status, resources, proposals, runs, events, costs, pages, metrics.
        case read
        /// Reading, plus starting and cancelling runs and submitting signed votes.
        case `operator`

        public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs == .read && rhs == .operator }
    }

    /// Why a request was not let through.
    public struct Refusal: Sendable, Hashable {
        /// 401 without a usable token, 403 with one of too small a scope.
        public let status: HTTPResponse.Status
        /// Said to the client; never holds a token.
        public let message: String
    }

    private let tokens: [(digest: [UInt8], scope: Scope)]
    /// Whether reads without a token are allowed (the listener is loopback-only).
    public let anonymousReads: Bool

    /// A policy for a listener on `host` with `tokens` (the secret values and their scopes).
    public init(host: String, tokens: [(token: String, scope: Scope)]) {
        self.anonymousReads = Loopback.isLoopback(host)
        self.tokens = tokens.filter { !$0.token.isEmpty }.map {
            (Array(SHA256.hash(data: Array($0.token.utf8))), $0.scope)
        }
    }

    /// Whether any token is configured.
    public var hasTokens: Bool { !tokens.isEmpty }

    /// nil when `headers` may do what `scope` allows, else why not.
    public func check(_ headers: HTTPFields, needs scope: Scope) -> Refusal? {
        guard let header = headers[.authorization] else {
            if scope == .read && anonymousReads { return nil }
            return Refusal(
                status: .unauthorized,
                message: scope == .operator
                    ? "this request changes something: send Authorization: Bearer with an operator token"
                    : "this server is not on loopback: send Authorization: Bearer with a read or operator token")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return Refusal(status: .unauthorized, message: "the Authorization header is not Bearer TOKEN")
        }
        // Compared as digests: equal lengths, and the time does not depend on where they differ.
        let presented = Array(SHA256.hash(data: Array(parts[1].utf8)))
        var granted: Scope? = nil
        for candidate in tokens where ConstantTime.equals(candidate.digest, presented) {
            granted = max(granted ?? candidate.scope, candidate.scope)
        }
        guard let granted else { return Refusal(status: .unauthorized, message: "the token is not valid") }
        guard granted >= scope else {
            return Refusal(
                status: .forbidden, message: "the token's scope is \(granted.rawValue); this needs \(scope.rawValue)")
        }
        return nil
    }
}
