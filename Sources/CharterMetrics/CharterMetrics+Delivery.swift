/// Why a webhook delivery was refused, for ``MetricName/webhookDeliveries``.
public enum WebhookRefusal: String, Sendable, CaseIterable {
    /// No webhook secret is configured on this server (404).
    case notConfigured = "not_configured"
    /// The controller is shutting down (503).
    case shuttingDown = "shutting_down"
    /// The body is over the limit (413).
    case bodyTooLarge = "body_too_large"
    /// The signature or token is missing or wrong (401).
    case unauthenticated
}

/// Why a notification was not delivered, for ``MetricName/notificationsFailed``: bounded, never
/// the sink's answer or address.
public enum NotificationFailureReason: String, Sendable, CaseIterable {
    /// The sink did not answer in time.
    case timeout
    /// The connection failed (refused, reset, TLS, name resolution).
    case transport
    /// The sink answered with an error status.
    case rejected
    /// The sink is misconfigured (a missing credential, an address the rules refuse).
    case configuration
    /// Anything else.
    case other
}

extension CharterMetrics {
    /// A push webhook was accepted (`ping` for a forge's ping, else `push`).
    public func webhookAccepted(ping: Bool = false) {
        count(MetricName.webhookDeliveries, [("result", "accepted"), ("reason", ping ? "ping" : "push")])
    }

    /// A push webhook was refused.
    public func webhookRefused(_ reason: WebhookRefusal) {
        count(MetricName.webhookDeliveries, [("result", "refused"), ("reason", reason.rawValue)])
    }

    /// A notification was delivered to `sink` (the sink's kind, such as `slack` or `webhook`:
    /// a bounded name, never its address).
    public func notificationSent(sink: String) {
        count(MetricName.notificationsSent, [("sink", sink)])
    }

    /// A notification to `sink` could not be delivered.
    public func notificationFailed(sink: String, reason: NotificationFailureReason) {
        count(MetricName.notificationsFailed, [("sink", sink), ("reason", reason.rawValue)])
    }
}
