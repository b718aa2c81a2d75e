import CharterMetrics
import CharterModel

/// Counts each notification try in `charter_notifications_sent_total` and
/// `charter_notifications_failed_total`, by sink kind — never by address, which may hold a secret.
public struct NotificationMetrics: NotificationObserver {
    let metrics: CharterMetrics

    /// Counting into `metrics` (the process's by default).
    public init(metrics: CharterMetrics = .global) { self.metrics = metrics }

    public func tried(route: String, event: NotificationRoute.EventType, sink: String, outcome: DeliveryOutcome) {
        switch outcome {
        case .sent: metrics.notificationSent(sink: sink)
        case .transient(let why): metrics.notificationFailed(sink: sink, reason: Self.reason(why, permanent: false))
        case .permanent(let why): metrics.notificationFailed(sink: sink, reason: Self.reason(why, permanent: true))
        }
    }

    /// A bounded label from the sender's sentence.
    static func reason(_ why: String, permanent: Bool) -> NotificationFailureReason {
        let text = why.lowercased()
        if text.contains("time") && text.contains("out") || text.contains("did not answer") { return .timeout }
        if text.contains("http") && text.contains("answered") || text.contains("status") { return .rejected }
        if text.contains("secret") || text.contains("refused address") || text.contains("not allowed") {
            return .configuration
        }
        if !permanent { return .transport }
        return .other
    }
}
