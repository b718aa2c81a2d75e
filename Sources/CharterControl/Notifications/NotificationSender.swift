import CharterFoundation
import CharterModel
import Foundation

/// What became of one try to deliver.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The receiver took it.
    case sent
    /// It failed for a reason that may pass (a 5xx, a timeout, a refused connection): try again.
    case transient(String)
    /// It failed for a reason that will not pass by itself (a 4xx, a refused address, a missing
    /// secret): give up until the event changes.
    case permanent(String)
}

/// One message, ready for a sink.
public struct OutgoingNotification: Sendable, Hashable {
    /// Stable for the delivery across retries and duplicates, so receivers can drop repeats.
    public var deliveryID: String
    /// The Notification resource that routes it.
    public var route: String
    /// The Organization's name.
    public var organization: String
    public var occurrence: NotificationOccurrence
    /// When it was made.
    public var time: Date
    /// E-mail addresses, for the e-mail sink: one person's.
    public var addresses: [String]

    /// The event as JSON: what the webhook sink posts and signs.
    public var json: Value {
        var object: [String: Value] = [
            "id": .string(deliveryID), "type": .string(occurrence.type.rawValue),
            "subject": .string(occurrence.subject), "title": .string(occurrence.title),
            "organization": .string(organization), "notification": .string(route),
            "time": .string(Timestamp.utc(time)), "details": .object(occurrence.details.mapValues(Value.string)),
        ]
        if let board = occurrence.board { object["board"] = .string(board) }
        if let routine = occurrence.routine { object["routine"] = .string(routine) }
        if !occurrence.people.isEmpty { object["recipients"] = .array(occurrence.people.map(Value.string)) }
        return .object(object)
    }

    /// Plain text for people: the title, then the details one per line, sorted.
    public var text: String {
        var lines = [occurrence.title, ""]
        if !occurrence.people.isEmpty { lines.append("waiting for: \(occurrence.people.joined(separator: ", "))") }
        for (key, value) in occurrence.details.sorted(by: { $0.key < $1.key }) { lines.append("\(key): \(value)") }
        lines.append("")
        lines.append("(\(organization), notification \(route), \(occurrence.type.rawValue))")
        return lines.joined(separator: "\n")
    }
}

/// A place notifications go: a signed webhook, a Slack-compatible webhook, an SMTP server.
public protocol NotificationSender: Sendable {
    /// Tries once; never throws, and the outcome's reason holds no secret.
    func send(_ notification: OutgoingNotification) async -> DeliveryOutcome
}

/// Runs `body` for at most `seconds`; a body still running then is cancelled and the result is
/// ``DeliveryOutcome/transient(_:)`` saying so.
func withDeliveryDeadline(
    _ seconds: Double, what: String, _ body: @escaping @Sendable () async -> DeliveryOutcome
) async -> DeliveryOutcome {
    await withTaskGroup(of: DeliveryOutcome?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return Task.isCancelled ? nil : .transient("\(what) did not answer within \(formatSeconds(seconds))")
        }
        var outcome: DeliveryOutcome = .transient("\(what) did not answer")
        for await result in group {
            if let result {
                outcome = result
                break
            }
        }
        group.cancelAll()
        return outcome
    }
}

/// `2 s`, `0.5 s`.
private func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
}
