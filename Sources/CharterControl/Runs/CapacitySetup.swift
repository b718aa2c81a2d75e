import CharterBroker
import CharterModel
import Foundation

/// The LLM capacity of a process: the applied CapacitySources, each with its provider, behind one
/// `CapacityBroker` (limits, budgets, failover, the usage ledger in `usage.sqlite`).
///
/// Credential files are read only from `$CHARTER_CREDENTIALS_DIR` (default `<data-dir>/credentials`).
/// A source whose credential is missing or whose endpoint is unusable is left out with a note
/// saying which and why (never the key); when no real source remains, agent steps run on the
/// offline provider, and the notes say so — it is never used silently.
public final class CapacitySetup: Sendable {
    /// What agent steps call.
    public let broker: CapacityBroker
    /// The usage ledger (`charter cost` reads it too).
    public let ledger: UsageLedger
    /// What a person should know: skipped sources, the offline fallback.
    public let notes: [String]
    let http: ProviderHTTPClient

    /// Builds the broker for `actual`'s sources, with keys from `environment`.
    public init(
        actual: OrgState, dataDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment,
        now: Date = Date()
    ) throws {
        http = ProviderHTTPClient()
        // Credential files must live in one directory the operator chose: a repository-defined
        // source must not be able to read (and send to its endpoint) any file the controller can.
        let credentialDirectory =
            environment["CHARTER_CREDENTIALS_DIR"] ?? dataDirectory.appendingPathComponent("credentials").path
        let credentials = CredentialResolver(environment: environment, directory: credentialDirectory)
        var sources: [BrokerSource] = []
        var notes: [String] = []
        for source in actual.capacitySources.values.sorted(by: { $0.name < $1.name }) {
            do {
                sources.append(
                    BrokerSource(
                        source, provider: try ProviderFactory.make(source: source, http: http, credentials: credentials)
                    ))
            } catch {
                notes.append("capacity source \(source.name) is left out: \(error)")
            }
        }
        if sources.isEmpty {
            // No usable source at all: one offline source per class the roles ask for, said aloud.
            let classes = Set(actual.roles.values.map(\.capacityClass)).union(["standard"])
            for name in classes.sorted() {
                let offline = CapacitySource(
                    name: "offline-\(name)", spec: ["provider": "offline", "class": .string(name), "model": "offline"])
                sources.append(BrokerSource(offline, provider: OfflineProvider(name: offline.name, model: "offline")))
            }
            notes.append("no usable capacity source: agent steps use the built-in offline provider")
        } else if sources.allSatisfy({ $0.provider is OfflineProvider }) {
            notes.append("agent steps use the offline provider (\(sources.map(\.name).joined(separator: ", ")))")
        }
        ledger = try UsageLedger(directory: dataDirectory)
        let settled = try ledger.reconcileOpenReservations(at: now)
        if settled > 0 { notes.append("\(settled) calls interrupted by a crash were charged at their reservation") }
        let zone = actual.organization.flatMap { TimeZone(identifier: $0.timeZone) } ?? TimeZone(identifier: "UTC")!
        broker = try CapacityBroker(
            sources: sources,
            budgets: BrokerBudgets.declared(
                roles: Array(actual.roles.values), routines: Array(actual.routines.values),
                policies: Array(actual.policies.values), timeZone: zone),
            ledger: ledger)
        self.notes = notes
    }

    /// Closes the HTTP client; call once, when the process is done with the broker.
    public func shutdown() async {
        try? await http.shutdown()
    }
}
