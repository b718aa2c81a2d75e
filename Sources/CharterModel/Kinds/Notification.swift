/// A route from Charter's events to one place people look: a signed webhook, a Slack-compatible
/// incoming webhook, or e-mail (see docs/OPERATIONS.md, "Notifications").
///
/// Like Flux's notification-controller, event types are stable names and a route picks some of
/// them, optionally narrowed to boards and routines; unlike Flux, where to send is part of the same
/// resource (DECISIONS §28). Secrets are references, never values.
public struct NotificationRoute: Sendable, Hashable {
    /// What happened, by its stable name (`proposal.votesNeeded`, …): the names are an interface.
    public enum EventType: String, Sendable, Hashable, CaseIterable, Comparable {
        /// A proposal waits for a board's votes; addressed to the members who have not voted.
        case proposalVotesNeeded = "proposal.votesNeeded"
        /// A run waits for a board's approval (an approval step, or an agent's held tool call).
        case runApprovalNeeded = "run.approvalNeeded"
        /// A run ended failed (a routine's run names its routine).
        case runFailed = "run.failed"
        /// A daily budget reached 80 % of a limit.
        case budgetWarning = "budget.warning"
        /// A daily budget reached its limit.
        case budgetExhausted = "budget.exhausted"
        /// The controller's condition is `Stalled`.
        case controllerStalled = "controller.stalled"

        /// Whether the event is addressed to a board's members rather than to the route's `to`.
        public var isForBoard: Bool { self == .proposalVotesNeeded || self == .runApprovalNeeded }
        /// Whether the event concerns a run, which a route's `routines` narrows.
        public var isAboutRun: Bool { self == .runApprovalNeeded || self == .runFailed }
        /// Whether the event describes a condition that lasts, and is sent again after the
        /// route's reminder interval while it does.
        public var isLasting: Bool {
            self == .proposalVotesNeeded || self == .runApprovalNeeded || self == .controllerStalled
        }

        public static func < (lhs: EventType, rhs: EventType) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Where a secret is found: an environment variable or a file. Never the secret itself.
    public typealias SecretReference = CapacitySource.Credential

    /// How an SMTP connection is protected.
    public enum SMTPSecurity: String, Sendable, Hashable {
        /// STARTTLS when the server offers it; plain otherwise (and then no password is sent,
        /// except to a loopback address).
        case starttls
        /// STARTTLS, or no delivery.
        case required
        /// Never TLS: for a relay on this machine.
        case none
    }

    /// A person or every member of a team.
    public typealias Recipient = Board.Member

    /// Where messages go.
    public enum Sink: Sendable, Hashable {
        /// An HTTP POST of the event as JSON, signed with HMAC-SHA256 under `secret`.
        case webhook(url: String, secret: SecretReference)
        /// A Slack-compatible incoming webhook, whose URL is itself the secret.
        case slack(url: SecretReference)
        /// E-mail through an SMTP server.
        case email(Email)
    }

    /// An SMTP server and who hears of events that are not a board's.
    public struct Email: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var security: SMTPSecurity
        public var username: String?
        public var password: SecretReference?
        public var from: String
        public var to: [Recipient]
    }

    public var name: String
    public var description: String?
    public var events: [EventType]
    /// Only these boards' events (empty: every board).
    public var boards: [String]
    /// Only these routines' runs (empty: every run, including runs started by hand).
    public var routines: [String]
    /// How long a lasting event stays quiet before it is sent again, in milliseconds.
    public var reminderMilliseconds: Int
    public var sink: Sink

    public init(name: String, spec s: Value) {
        self.name = name
        description = s["description"]?.string
        events = (s["events"]?.strings ?? []).compactMap(EventType.init(rawValue:))
        boards = s["boards"]?.strings ?? []
        routines = s["routines"]?.strings ?? []
        reminderMilliseconds = DurationRange.notificationReminder.clamp(
            s["reminderInterval"]?.string.flatMap(DurationText.parse) ?? 86_400_000)
        if let w = s["webhook"] {
            sink = .webhook(url: w["url"]?.string ?? "", secret: Self.secret(w["secret"]) ?? .environment(""))
        } else if let slack = s["slack"] {
            sink = .slack(url: Self.secret(slack["url"]) ?? .environment(""))
        } else {
            let e = s["email"]
            let server = e?["server"]
            sink = .email(
                Email(
                    host: server?["host"]?.string ?? "", port: server?["port"]?.int ?? 587,
                    security: SMTPSecurity(rawValue: server?["tls"]?.string ?? "starttls") ?? .starttls,
                    username: server?["username"]?.string, password: Self.secret(server?["password"]),
                    from: e?["from"]?.string ?? "",
                    to: (e?["to"]?.array ?? []).compactMap { m in
                        if let p = m["person"]?.string { return .person(p) }
                        if let t = m["team"]?.string { return .team(t) }
                        return nil
                    }))
        }
    }

    static func secret(_ v: Value?) -> SecretReference? {
        if let env = v?["env"]?.string { return .environment(env) }
        if let file = v?["file"]?.string { return .file(file) }
        return nil
    }

    /// Whether the route takes events of `type`.
    public func routes(_ type: EventType) -> Bool { events.contains(type) }
}
