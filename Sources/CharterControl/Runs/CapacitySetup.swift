import CharterBroker
import CharterFoundation
import CharterModel
import Foundation

/// The LLM capacity of a process: the applied CapacitySources, each with its provider, behind one
/// `CapacityBroker` (limits, budgets, failover, the usage ledger in `usage.sqlite`).
///
/// Credential files are read only from `$CHARTER_CREDENTIALS_DIR` (default `<data-dir>/credentials`).
/// A source whose credential is missing or whose endpoint is unusable is left out with a note
/// saying which and why (never the key); when no real source remains, agent steps run on the
/// offline provider, and the notes say so — it is never used silently.
///
/// ``update(actual:)`` follows the applied state: when an apply changes a CapacitySource, a budget
/// or the organization's time zone, the same broker takes the new configuration (see
/// `CapacityBroker.reconfigure`), so a long-running controller needs no restart.
public final class CapacitySetup: @unchecked Sendable {
    /// What agent steps call.
    public let broker: CapacityBroker
    /// The usage ledger (`charter cost` reads it too).
    public let ledger: UsageLedger
    let http: ProviderHTTPClient
    let credentials: CredentialResolver
    // Guards `configured` and `currentNotes`; never held across an await.
    private let lock = NSLock()
    private var configured: Inputs
    private var currentNotes: [String]

    /// What the broker is built from: a change in any of it reconfigures the broker.
    struct Inputs: Hashable {
        var sources: [CapacitySource]
        /// The classes Roles ask for: the offline fallback serves each.
        var classes: Set<String>
        var budgets: BrokerBudgets
        /// Where providers may send: the Organization's `spec.endpoints`.
        var addresses: OutboundAddressRules

        init(_ actual: OrgState) {
            sources = actual.capacitySources.values.sorted { $0.name < $1.name }
            classes = Set(actual.roles.values.map(\.capacityClass)).union(["standard"])
            let zone = actual.organization.flatMap { TimeZone(identifier: $0.timeZone) } ?? TimeZone(identifier: "UTC")!
            budgets = BrokerBudgets.declared(
                roles: Array(actual.roles.values), routines: Array(actual.routines.values),
                policies: Array(actual.policies.values), timeZone: zone)
            addresses = OutboundAddressRules(organization: actual.organization)
        }
    }

    /// What a person should know about the current configuration: skipped sources, the offline
    /// fallback, calls a crash left open.
    public var notes: [String] { lock.withLock { currentNotes } }

    /// Builds the broker for `actual`'s sources, with keys from `environment`; `onEvent` hears
    /// the broker's cooldowns and refusals (``logLine(for:at:)`` renders them for the log).
    public init(
        actual: OrgState, dataDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment,
        now: Date = Date(), onEvent: (@Sendable (BrokerEvent) -> Void)? = nil
    ) throws {
        http = ProviderHTTPClient()
        // Credential files must live in one directory the operator chose: a repository-defined
        // source must not be able to read (and send to its endpoint) any file the controller can.
        let credentialDirectory = DataDirectory.credentials(dataDirectory: dataDirectory, environment: environment).path
        credentials = CredentialResolver(environment: environment, directory: credentialDirectory)
        let inputs = Inputs(actual)
        let (sources, sourceNotes) = Self.sources(inputs, http: http, credentials: credentials)
        var notes = sourceNotes
        ledger = try UsageLedger(directory: dataDirectory)
        let settled = try ledger.reconcileOpenReservations(at: now)
        if settled > 0 { notes.append("\(settled) calls interrupted by a crash were charged at their reservation") }
        broker = try CapacityBroker(sources: sources, budgets: inputs.budgets, ledger: ledger, onEvent: onEvent)
        configured = inputs
        currentNotes = notes
    }

    /// Brings the broker in line with `actual` when what it is built from changed since the last
    /// call; returns the new configuration's notes then (what `controller` logs), nil otherwise.
    /// Providers are made with the environment and credential directory of ``init``.
    @discardableResult
    public func update(actual: OrgState) async -> [String]? {
        let inputs = Inputs(actual)
        guard lock.withLock({ inputs != configured }) else { return nil }
        let (sources, notes) = Self.sources(inputs, http: http, credentials: credentials)
        await broker.reconfigure(sources: sources, budgets: inputs.budgets)
        let described = sources.map { "\($0.name) (\($0.source.capacityClass))" }.joined(separator: ", ")
        let all = ["capacity reconfigured: \(described)"] + notes
        lock.withLock {
            configured = inputs
            currentNotes = notes
        }
        return all
    }

    /// The broker's sources for `inputs`, and the notes about them.
    static func sources(
        _ inputs: Inputs, http: ProviderHTTPClient, credentials: CredentialResolver
    ) -> ([BrokerSource], [String]) {
        var sources: [BrokerSource] = []
        var notes: [String] = []
        for source in inputs.sources {
            do {
                sources.append(
                    BrokerSource(
                        source,
                        provider: try ProviderFactory.make(
                            source: source, http: http, credentials: credentials, addresses: inputs.addresses)))
            } catch {
                notes.append("capacity source \(source.name) is left out: \(error)")
            }
        }
        if sources.isEmpty {
            // No usable source at all: one offline source per class the roles ask for, said aloud.
            for name in inputs.classes.sorted() {
                let offline = CapacitySource(
                    name: "offline-\(name)", spec: ["provider": "offline", "class": .string(name), "model": "offline"])
                sources.append(BrokerSource(offline, provider: OfflineProvider(name: offline.name, model: "offline")))
            }
            notes.append("no usable capacity source: agent steps use the built-in offline provider")
        } else if sources.allSatisfy({ $0.provider is OfflineProvider }) {
            notes.append("agent steps use the offline provider (\(sources.map(\.name).joined(separator: ", ")))")
        }
        return (sources, notes)
    }

    /// The controller's log line for a broker event: a source cooling down, a call refused by a
    /// budget or left without capacity. Settled calls are not logged (the ledger and the step's
    /// events hold them). Errors are already redacted by the providers.
    public static func logLine(for event: BrokerEvent, at time: Date) -> LogLine? {
        switch event {
        case .settled:
            return nil
        case .cooldown(let source, let until, let error):
            return LogLine(
                time: time, level: .warning,
                message: "capacity source \(source) cools down until \(Timestamp.utc(until)): \(error)",
                fields: ["source": source])
        case .budgetExceeded(let error, let record):
            return LogLine(
                time: time, level: .warning, message: "\(error)",
                fields: ["run": record.run ?? "-", "step": record.step ?? "-"])
        case .saturated(let error, let record):
            return LogLine(
                time: time, level: .warning, message: "\(error)",
                fields: ["run": record.run ?? "-", "step": record.step ?? "-"])
        }
    }

    /// Closes the HTTP client; call once, when the process is done with the broker.
    public func shutdown() async {
        try? await http.shutdown()
    }
}
