import Foundation

/// Why a completion failed, classified so the broker can decide between retrying (after how long),
/// failing over to another source, and failing the step.
///
/// Messages are passed through ``redact(_:)`` when made with the factory methods and initializers
/// below: provider error bodies sometimes echo headers or URLs, and these messages reach logs,
/// events and the status branch.
public struct CompletionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: Sendable, Hashable {
        /// HTTP 429 or the provider's equivalent; wait `retryAfter` when given.
        case rateLimited(retryAfter: Duration?)
        /// A 5xx answer (529: overloaded); `retryAfter` when the provider sent one.
        case server(status: Int, retryAfter: Duration?)
        /// No answer in time (HTTP 408, or the client's deadline).
        case timeout
        /// The credential is missing, wrong or lacks permission (401, 403). Retrying will not help.
        case authentication
        /// The provider refused the request as malformed or too large (other 4xx). Retrying will not help.
        case invalidRequest
        /// The connection failed or broke (DNS, TLS, reset, a stream that ended early).
        case transport
    }

    /// The class of failure.
    public var kind: Kind
    /// What happened, without secrets.
    public var message: String

    /// An error of `kind`; `message` is redacted.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = Self.redact(message)
    }

    /// Whether the same request may succeed later: rate limits, server errors, timeouts and
    /// transport failures; never authentication or invalid requests.
    public var isRetryable: Bool {
        switch kind {
        case .rateLimited, .server, .timeout, .transport: true
        case .authentication, .invalidRequest: false
        }
    }

    /// How long the provider asked us to wait, if it said.
    public var retryAfter: Duration? {
        switch kind {
        case .rateLimited(let retryAfter), .server(_, let retryAfter): retryAfter
        default: nil
        }
    }

    public var description: String {
        switch kind {
        case .rateLimited(let after): "rate limited\(after.map { " (retry after \($0))" } ?? ""): \(message)"
        case .server(let status, _): "server error \(status): \(message)"
        case .timeout: "timed out: \(message)"
        case .authentication: "authentication failed: \(message)"
        case .invalidRequest: "invalid request: \(message)"
        case .transport: "transport error: \(message)"
        }
    }

    /// Classifies an HTTP error answer.
    ///
    /// - Parameters:
    ///   - status: the HTTP status, 400 or more.
    ///   - retryAfter: the `Retry-After` header, in seconds or as an HTTP date.
    ///   - message: the provider's error message (redacted here).
    ///   - now: the time `retryAfter` dates are measured from.
    public init(httpStatus status: Int, retryAfter: String? = nil, message: String, now: Date = Date()) {
        let after = retryAfter.flatMap { Self.parseRetryAfter($0, now: now) }
        switch status {
        case 429: self.init(.rateLimited(retryAfter: after), message)
        case 401, 403: self.init(.authentication, message)
        case 408: self.init(.timeout, message)
        case 500...: self.init(.server(status: status, retryAfter: after), message)
        default: self.init(.invalidRequest, message)
        }
    }

    /// Classifies any error a provider's client threw: a ``CompletionError`` as it is, URL loading
    /// timeouts as ``Kind/timeout``, anything else as ``Kind/transport``. Returns `nil` for
    /// `CancellationError`, which is not a failure of the provider and must not be retried.
    public static func classify(_ error: any Error) -> CompletionError? {
        switch error {
        case let error as CompletionError: return error
        case is CancellationError: return nil
        case let error as URLError where error.code == .timedOut: return CompletionError(.timeout, "\(error.code)")
        case let error as URLError: return CompletionError(.transport, "URL error \(error.code.rawValue)")
        default: return CompletionError(.transport, String(describing: error))
        }
    }

    /// A `Retry-After` value: delta seconds (`120`, fractions accepted) or an HTTP date
    /// (`Wed, 21 Oct 2015 07:28:00 GMT`) measured from `now`; never negative, and at most
    /// ``longestRetryAfter`` (a server's header must not overflow a conversion or park a source for years).
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64((min(seconds, longestRetryAfter) * 1000).rounded()))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return .milliseconds(Int64((min(max(0, date.timeIntervalSince(now)), longestRetryAfter) * 1000).rounded()))
    }

    /// The longest `Retry-After` honored, in seconds: a day.
    public static let longestRetryAfter: Double = 86_400

    /// `text` with credentials masked (bearer tokens, `sk-`/`sk-ant-` style keys, `key=`/`token=`
    /// parameters, user-info in URLs) and cut to 500 characters.
    public static func redact(_ text: String) -> String {
        var result = text
        let patterns = [
            #"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"#,
            #"(?i)((?:api[_-]?key|token|secret|password|authorization|x-api-key)["']?\s*[:=]\s*["']?)[^\s"'&,}]+"#,
            #"\b(sk-)[A-Za-z0-9_-]{8,}"#,
            #"(://)[^/@\s]+(?=@)"#,
        ]
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
            result = regex.stringByReplacingMatches(
                in: result, range: NSRange(result.startIndex..., in: result), withTemplate: "$1***")
        }
        return result.count > 500 ? String(result.prefix(500)) + "…" : result
    }
}
