extension KindSchemas {
    /// A reference to a secret held outside the repository: an environment variable of the
    /// controller or a file. `what` names the secret in the descriptions ("the key").
    static func secretReference(_ title: String, _ description: String, what: String) -> Schema {
        .object(
            ObjectSchema(
                title, description,
                properties: [
                    Property(
                        "env",
                        .string(
                            StringSchema("An environment variable holding \(what).", pattern: Patterns.identifier))),
                    Property("file", str("A file holding \(what).", max: SchemaLimits.pathLength)),
                ],
                exactlyOneOf: ["env", "file"]))
    }

    static let notificationWebhook = ObjectSchema(
        "webhook sink",
        "An HTTP POST of each event as JSON, signed: `Charter-Signature: t=UNIX,v1=HEX`, where HEX is HMAC-SHA256 under the secret of `UNIX.BODY` (docs/OPERATIONS.md says how to verify it).",
        properties: [
            Property(
                "url",
                .string(
                    StringSchema(
                        "Where to POST: `http` or `https`, a host, an optional port (1–65535) and path; no user, password, query or fragment. Non-public addresses need the Organization's spec.endpoints.allowCIDRs.",
                        pattern: Patterns.httpURL, maxLength: SchemaLimits.urlLength)), required: true),
            Property(
                "secret",
                secretReference(
                    "signing secret", "Where the HMAC key is found. Never the key itself.", what: "the signing key"),
                required: true),
        ])

    static let notificationSlack = ObjectSchema(
        "Slack sink",
        "A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): a POST of `{\"text\": …, \"blocks\": […]}`.",
        properties: [
            Property(
                "url",
                secretReference(
                    "webhook URL reference",
                    "Where the incoming-webhook URL is found: the URL is the credential, so it is never in the repository. It is checked against the Organization's spec.endpoints.allowCIDRs before each request.",
                    what: "the webhook URL"),
                required: true)
        ])

    static let notificationSMTP = ObjectSchema(
        "SMTP server", "The server that relays the mail.",
        properties: [
            Property(
                "host",
                .string(
                    StringSchema(
                        "The server's DNS name or address. Non-public addresses need the Organization's spec.endpoints.allowCIDRs.",
                        pattern: Patterns.host, maxLength: 253)), required: true),
            Property(
                "port", int("The port: 587 (submission), 25, or a local relay's.", min: 1, max: 65535), default: 587),
            Property(
                "tls",
                str(
                    "`starttls`: upgrade when the server offers STARTTLS (then the certificate must verify), else send in the clear without a password; `required`: no delivery without STARTTLS; `none`: never (a relay on this machine).",
                    enumValues: ["starttls", "required", "none"]), default: "starttls"),
            Property(
                "username", str("The user to log in as (AUTH PLAIN), with `password`.", max: SchemaLimits.shortText)),
            Property(
                "password",
                secretReference(
                    "password reference", "Where the SMTP password is found. Never the password itself.",
                    what: "the password")),
        ])

    static let notificationEmail = ObjectSchema(
        "e-mail sink",
        "E-mail over SMTP. A board's events go to its members who have not voted (their Person `email`); other events go to `to`.",
        properties: [
            Property("server", .object(notificationSMTP), required: true),
            Property(
                "from", .string(StringSchema("The sender address.", pattern: Patterns.email, maxLength: 254)),
                required: true),
            Property(
                "to",
                .array(
                    ArraySchema(
                        "Who hears of the events that are not a board's (`run.failed`, `budget.*`, `controller.stalled`): people and teams, by their Person `email`.",
                        items: .object(boardMember), maxItems: SchemaLimits.boardMembers, uniqueItems: true)),
                default: []),
        ])

    static let notification = ObjectSchema(
        "Notification spec",
        "Routes Charter's events to a signed webhook, a Slack-compatible incoming webhook, or e-mail; each event is sent once per subject and recipient, again only when it changes or after `reminderInterval`, and every delivery is recorded in the event log.",
        properties: [
            Property("description", str("What the route is for.")),
            Property(
                "events",
                .array(
                    ArraySchema(
                        "The event types sent: `proposal.votesNeeded`, `run.approvalNeeded`, `run.failed`, `budget.warning` (80 % of a daily limit), `budget.exhausted` (100 %), `controller.stalled`.",
                        items: str(
                            "An event type.", enumValues: NotificationRoute.EventType.allCases.map(\.rawValue)),
                        minItems: 1, uniqueItems: true)), required: true),
            Property(
                "boards",
                names(
                    "Only the events of these boards (`proposal.votesNeeded`, `run.approvalNeeded`); empty for every board.",
                    max: SchemaLimits.ruleBoards), default: []),
            Property(
                "routines",
                names(
                    "Only the runs of these routines (`run.approvalNeeded`, `run.failed`); empty for every run, including runs started by hand.",
                    max: SchemaLimits.ruleEntries), default: []),
            Property(
                "reminderInterval",
                duration(
                    "How long an event that still holds (votes still needed, an approval still waiting, still stalled) stays quiet before it is sent again.",
                    .notificationReminder), default: "24h"),
            Property("webhook", .object(notificationWebhook)),
            Property("slack", .object(notificationSlack)),
            Property("email", .object(notificationEmail)),
        ],
        exactlyOneOf: ["webhook", "slack", "email"])
}
