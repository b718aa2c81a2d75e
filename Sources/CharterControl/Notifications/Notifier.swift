import AsyncHTTPClient
import CharterBroker
import CharterEngine
import CharterFoundation
import CharterModel
import CharterStore
import Crypto
import Foundation
import NIOSSL

/// Watches notifications as they are tried: where the metrics of deliveries hook in (the
/// `metrics` work), without the notifier knowing about them.
public protocol NotificationObserver: Sendable {
    /// Called once per try, after it is recorded in the event log.
    func tried(route: String, event: NotificationRoute.EventType, sink: String, outcome: DeliveryOutcome)
}

/// How failed tries are spaced: exponential backoff with full jitter, then given up.
public struct NotificationRetry: Sendable, Hashable {
    /// The wait after the first failure, in seconds.
    public var initialSeconds: Double = 30
    public var multiplier: Double = 2
    /// The longest wait, in seconds.
    public var capSeconds: Double = 1800
    /// Tries of one version in all, the first included.
    public var maxAttempts: Int = 8

    public init() {}
}

/// What one notifier pass did, for the pass's log.
public struct NotificationSummary: Sendable, Hashable {
    public var sent = 0
    public var retrying = 0
    public var failed = 0
    /// Why the notifier could not do its work this pass, if it could not.
    public var problem: String?
    /// Whether the pass's notification step ran (it runs once per pass).
    public var ran = false
}

/// The controller's notification sub-reconciler: each pass derives what is true now (proposals
/// waiting for votes, runs waiting for approval, failed runs, budgets, a stall), routes it through
/// the applied Notifications, and tries the deliveries that are due.
///
/// A delivery is remembered per `route|event|subject|recipient` in the store, with the version of
/// the event it carried. It is sent again only when the version changes (a proposal's new head),
/// when the route's reminder interval has passed for an event that lasts, or when a failed try's
/// backoff has run out. The try's outcome and the remembered standing are written in one
/// transaction, *after* the send: a crash in between loses nothing (the next pass derives the
/// event again and sends it) but may send it twice, which receivers can tell by its delivery id.
public final class Notifier: Sendable {
    let store: StateStore
    let http: ProviderHTTPClient
    let credentials: CredentialResolver
    let actor: String
    /// The longest one try may take, in seconds.
    let timeoutSeconds: Double
    let retry: NotificationRetry
    let observer: (any NotificationObserver)?
    let jitter: Locked<SeededGenerator>
    /// STARTTLS's trust roots (the system's unless a test brings its own CA).
    let tls: TLSConfiguration
    /// The most tries in one pass: a backlog cannot hold a pass up for long.
    let maxTriesPerPass: Int
    /// Called between a send and its record: the failpoint `notify.after-send`, and tests.
    let afterSend: @Sendable (String) throws -> Void

    /// A notifier recording in `store`; call ``shutdown()`` when done.
    public convenience init(
        store: StateStore, credentials: CredentialResolver = CredentialResolver(), actor: String = "controller",
        timeoutSeconds: Double = 15, retry: NotificationRetry = NotificationRetry(),
        observer: (any NotificationObserver)? = nil, seed: UInt64 = UInt64.random(in: 0...UInt64.max),
        tls: TLSConfiguration = .makeClientConfiguration(), maxTriesPerPass: Int = 200
    ) {
        self.init(
            store: store, credentials: credentials, actor: actor, timeoutSeconds: timeoutSeconds, retry: retry,
            observer: observer, seed: seed, tls: tls, maxTriesPerPass: maxTriesPerPass,
            afterSend: { _ in FailPoint.hit("notify.after-send") })
    }

    init(
        store: StateStore, credentials: CredentialResolver, actor: String, timeoutSeconds: Double,
        retry: NotificationRetry, observer: (any NotificationObserver)?, seed: UInt64, tls: TLSConfiguration,
        maxTriesPerPass: Int, afterSend: @escaping @Sendable (String) throws -> Void
    ) {
        self.store = store
        self.credentials = credentials
        self.actor = actor
        self.timeoutSeconds = timeoutSeconds
        self.retry = retry
        self.observer = observer
        self.jitter = Locked(SeededGenerator(seed: seed))
        self.tls = tls
        self.maxTriesPerPass = maxTriesPerPass
        self.afterSend = afterSend
        let seconds = Duration.milliseconds(Int64(timeoutSeconds * 1000))
        http = ProviderHTTPClient(timeouts: ProviderTimeouts(connect: seconds, idleRead: seconds, overall: seconds))
    }

    /// A notifier for a controller over `dataDirectory`: secret files only from the credentials
    /// directory (`$CHARTER_CREDENTIALS_DIR`, default `<data-dir>/credentials`), as CapacitySources'.
    public convenience init(
        store: StateStore, dataDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment,
        actor: String, observer: (any NotificationObserver)? = NotificationMetrics()
    ) {
        let directory = DataDirectory.credentials(dataDirectory: dataDirectory, environment: environment).path
        self.init(
            store: store, credentials: CredentialResolver(environment: environment, directory: directory), actor: actor,
            observer: observer)
    }

    /// Closes the HTTP client's connections; call once, after the last pass.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// What the pass knows beyond the store: runs, budgets, and whether the controller stalled.
    public struct Inputs: Sendable {
        public var runs: RunService?
        /// The pass's `Stalled` reason and message, when it stalled.
        public var stalled: (reason: String, message: String)?
        public init(runs: RunService?, stalled: (reason: String, message: String)?) {
            self.runs = runs
            self.stalled = stalled
        }
    }

    /// One pass at `now`.
    public func pass(actual: OrgState, inputs: Inputs, now: Date) async -> NotificationSummary {
        var summary = NotificationSummary()
        let routes = actual.notifications.values.sorted { $0.name < $1.name }
        do {
            let since = try store.notificationRoutes(Set(routes.map(\.name)), now: now)
            var known = try store.notificationDeliveries()
            let occurrences = try await collect(actual: actual, inputs: inputs, routes: routes, since: since)
            var current: Set<String> = []
            var tries = 0
            for route in routes {
                let sender = sender(for: route, actual: actual)
                for occurrence in occurrences[route.name] ?? [] {
                    for (recipient, addresses) in recipients(of: occurrence, route: route, actual: actual) {
                        let key = [route.name, occurrence.type.rawValue, occurrence.subject, recipient].joined(
                            separator: "|")
                        current.insert(key)
                        let previous = known[key]
                        guard due(previous, version: occurrence.version, type: occurrence.type, route: route, now: now),
                            tries < maxTriesPerPass
                        else { continue }
                        tries += 1
                        let outgoing = OutgoingNotification(
                            deliveryID: Self.deliveryID(key: key, version: occurrence.version), route: route.name,
                            organization: actual.organization?.name ?? "", occurrence: occurrence, time: now,
                            addresses: addresses ?? [])
                        let outcome: DeliveryOutcome =
                            addresses == [] && sender.kind == "email"
                            ? .permanent("Person `\(recipient)` has no email")
                            : await sender.send(outgoing)
                        try afterSend(key)
                        let delivery = try record(
                            outcome, key: key, previous: previous, outgoing: outgoing, recipient: recipient,
                            sink: sender.kind, now: now)
                        known[key] = delivery
                        switch delivery.state {
                        case .sent: summary.sent += 1
                        case .retrying: summary.retrying += 1
                        case .failed: summary.failed += 1
                        }
                        // Metrics hook in here (the `metrics` work): one call per recorded try.
                        observer?.tried(route: route.name, event: occurrence.type, sink: sender.kind, outcome: outcome)
                    }
                }
            }
            // A lasting event that no longer holds is forgotten, so the next time it holds is news;
            // so is every delivery of a route that is gone.
            let names = Set(routes.map(\.name))
            let stale = known.keys.filter { key in
                let parts = key.split(separator: "|", maxSplits: 2).map(String.init)
                guard parts.count == 3, names.contains(parts[0]) else { return true }
                let lasting = NotificationRoute.EventType(rawValue: parts[1])?.isLasting ?? true
                return lasting && !current.contains(key)
            }
            try store.forgetNotifications(stale.sorted())
        } catch {
            summary.problem = "notifications: \(error)"
        }
        return summary
    }

    /// Stable for one version of one delivery: receivers drop repeats by it.
    static func deliveryID(key: String, version: String) -> String {
        "nd-"
            + SHA256.hash(data: Array("\(key)\n\(version)".utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether a delivery of `version` is due now.
    func due(
        _ previous: NotificationDelivery?, version: String, type: NotificationRoute.EventType, route: NotificationRoute,
        now: Date
    ) -> Bool {
        guard let previous, previous.version == version else { return true }
        switch previous.state {
        case .retrying: return (previous.nextAttempt ?? now) <= now
        case .failed: return false
        case .sent:
            guard type.isLasting, let sent = previous.sentAt else { return false }
            return now >= sent.addingTimeInterval(Double(route.reminderMilliseconds) / 1000)
        }
    }

    /// Writes the try's outcome and event; returns the delivery as now remembered.
    func record(
        _ outcome: DeliveryOutcome, key: String, previous: NotificationDelivery?, outgoing: OutgoingNotification,
        recipient: String, sink: String, now: Date
    ) throws -> NotificationDelivery {
        let version = outgoing.occurrence.version
        let attempts = (previous?.version == version && previous?.state == .retrying ? previous!.attempts : 0) + 1
        var data: [String: Value] = [
            "notification": .string(outgoing.route), "event": .string(outgoing.occurrence.type.rawValue),
            "subject": .string(outgoing.occurrence.subject), "recipient": .string(recipient), "sink": .string(sink),
            "delivery": .string(outgoing.deliveryID), "attempt": .int(attempts),
        ]
        var delivery = NotificationDelivery(key: key, version: version, state: .sent, attempts: attempts)
        let type: String
        switch outcome {
        case .sent:
            delivery.sentAt = now
            type = "notification.sent"
        case .transient(let reason) where attempts < retry.maxAttempts:
            let ceiling = ExponentialBackoff.ceiling(
                failures: attempts, initial: retry.initialSeconds, multiplier: retry.multiplier, cap: retry.capSeconds)
            let wait = jitter.withLock { ExponentialBackoff.fullJitter(ceiling, using: &$0) }
            delivery.state = .retrying
            delivery.nextAttempt = now.addingTimeInterval(max(wait, 1))
            data["reason"] = .string(reason)
            data["nextAttempt"] = .string(Timestamp.utc(delivery.nextAttempt!))
            type = "notification.retrying"
        case .transient(let reason), .permanent(let reason):
            delivery.state = .failed
            data["reason"] = .string(reason)
            type = "notification.failed"
        }
        try store.recordNotification(delivery, event: type, data: .object(data), actor: actor, time: now)
        return delivery
    }

    /// The occurrences each route takes, filters applied.
    func collect(
        actual: OrgState, inputs: Inputs, routes: [NotificationRoute], since: [String: Date]
    ) async throws
        -> [String: [NotificationOccurrence]]
    {
        let wanted = Set(routes.flatMap(\.events))
        guard !wanted.isEmpty else { return [:] }
        var all: [NotificationOccurrence] = []
        if wanted.contains(.proposalVotesNeeded) {
            all += NotificationOccurrences.votesNeeded(try store.openProposals())
        }
        var failed: [RunRecord] = []
        if let runs = inputs.runs {
            if wanted.contains(.runApprovalNeeded) {
                let pending = try RunApprovals.pending(runs.store)
                var routines: [String: String] = [:]
                for id in Set(pending.map(\.run)) { routines[id] = try runs.store.run(id)?.run.routine }
                all += NotificationOccurrences.approvalsNeeded(pending, routines: routines, actual: actual)
            }
            if wanted.contains(.runFailed) { failed = try runs.store.runs(states: [.failed], limit: 500) }
            if wanted.contains(.budgetWarning) || wanted.contains(.budgetExhausted), let broker = runs.capacity?.broker
            {
                all += NotificationOccurrences.budgets(await broker.budgetUsage())
            }
        }
        if let stalled = inputs.stalled, wanted.contains(.controllerStalled) {
            all.append(NotificationOccurrences.stalled(reason: stalled.reason, message: stalled.message))
        }
        var result: [String: [NotificationOccurrence]] = [:]
        for route in routes {
            var mine = all
            mine += NotificationOccurrences.failedRuns(failed, since: since[route.name] ?? .distantFuture)
            result[route.name] = mine.filter { o in
                guard route.routes(o.type) else { return false }
                if o.type.isForBoard, !route.boards.isEmpty, !route.boards.contains(o.board ?? "") { return false }
                if o.type.isAboutRun, !route.routines.isEmpty, !route.routines.contains(o.routine ?? "") {
                    return false
                }
                return true
            }
        }
        return result
    }

    /// Who hears of `occurrence` through `route`: `*` for a webhook or Slack (the people are in the
    /// message); for e-mail, each person with their address (nil when they have none).
    func recipients(
        of occurrence: NotificationOccurrence, route: NotificationRoute, actual: OrgState
    ) -> [(
        String, [String]?
    )] {
        guard case .email(let email) = route.sink else { return [("*", nil)] }
        var people: Set<String> = []
        if occurrence.type.isForBoard {
            people.formUnion(occurrence.people)
        } else {
            for r in email.to {
                switch r {
                case .person(let p): people.insert(p)
                case .team(let t): people.formUnion(actual.members(ofTeam: t))
                }
            }
        }
        return people.sorted().map { p in (p, actual.people[p]?.email.map { [$0] } ?? []) }
    }

    /// The sender of a route, and what kind it is.
    func sender(
        for route: NotificationRoute, actual: OrgState
    ) -> (kind: String, send: @Sendable (OutgoingNotification) async -> DeliveryOutcome) {
        let http = NotificationHTTP(
            client: self.http.client, addresses: OutboundAddressRules(organization: actual.organization),
            timeoutSeconds: timeoutSeconds)
        switch route.sink {
        case .webhook(let url, let secret):
            let s = WebhookSender(url: url, secret: secret, http: http, credentials: credentials)
            return ("webhook", s.send)
        case .slack(let url):
            let s = SlackSender(url: url, http: http, credentials: credentials)
            return ("slack", s.send)
        case .email(let email):
            let s = EmailSender(
                email: email, credentials: credentials,
                addresses: OutboundAddressRules(organization: actual.organization), timeoutSeconds: timeoutSeconds,
                tls: tls)
            return ("email", s.send)
        }
    }
}
