import CharterEngine
import CharterFoundation
import CharterGovernance
import CharterMetrics
import CharterStore

/// The gauges that say what is, rather than what happened: proposals, runs and steps by state
/// (from the stores), the engine's queue and the broker's queue and budgets (live). Recorded at
/// each scrape instead of kept up as things change, so they are right after a crash or a restart
/// and no transition can be missed.
public struct StateMetrics: Sendable {
    /// The applied state and its proposals.
    public let store: StateStore
    /// The engine and broker, when this process executes runs.
    public let runs: RunService?

    /// Gauges over `store` and `runs`.
    public init(store: StateStore, runs: RunService?) {
        self.store = store
        self.runs = runs
    }

    /// Records every gauge into `metrics`. A store that cannot be read leaves its gauges at their
    /// last values; the scrape still answers with the rest.
    public func record(into metrics: CharterMetrics) async {
        let store = self.store
        let runStore = runs?.store
        // Two small indexed queries, on a thread of their own so a busy database never holds one
        // of the cooperative pool's threads.
        let counts = try? await onOwnThread {
            (proposals: try? store.proposalCounts(), runs: try? runStore?.stateCounts())
        }
        if let proposals = counts?.proposals {
            metrics.proposals(proposals, states: ProposalState.allCases.map(\.rawValue))
        }
        if let c = counts?.runs.flatMap({ $0 }) {
            metrics.runs(
                c.runs, runStates: RunState.allCases.map(\.rawValue), steps: c.steps,
                stepStates: StepState.allCases.map(\.rawValue))
        }
        guard let runs else { return }
        metrics.engine(await runs.engine.load())
        if let broker = runs.capacity?.broker {
            metrics.brokerQueued(await broker.queuedCount)
            metrics.budgets(await broker.budgetRemaining())
        }
    }
}
