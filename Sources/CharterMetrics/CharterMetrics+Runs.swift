/// What the engine holds now, for the engine gauges.
public struct EngineLoad: Sendable, Hashable {
    /// Steps ready to start, waiting for a slot: the queue depth.
    public var readySteps: Int
    /// Steps executing.
    public var runningSteps: Int
    /// Runs held in memory (not over).
    public var activeRuns: Int

    /// A load.
    public init(readySteps: Int, runningSteps: Int, activeRuns: Int) {
        self.readySteps = readySteps
        self.runningSteps = runningSteps
        self.activeRuns = activeRuns
    }
}

extension CharterMetrics {
    /// A run finished in `state` (`succeeded`, `failed`, `cancelled`) after `duration` since it started.
    public func runFinished(state: String, duration: Duration) {
        count(MetricName.runsFinished, [("state", state)])
        time(MetricName.runDuration, [("state", state)], duration)
    }

    /// A step of `type` (`shell`, `agent`, `approval`…) finished in `state`; `duration` since its
    /// last attempt started, nil when it never started (skipped, cancelled before it ran).
    public func stepFinished(type: String, state: String, duration: Duration?) {
        count(MetricName.stepsFinished, [("type", type), ("state", state)])
        if let duration { time(MetricName.stepDuration, [("type", type), ("state", state)], duration) }
    }

    /// Runs and steps in each state now (from the store); every state in `runStates` and
    /// `stepStates` is set, 0 when absent.
    public func runs(
        _ runs: [String: Int], runStates: [String], steps: [String: Int], stepStates: [String]
    ) {
        for state in Set(runStates).union(runs.keys).sorted() {
            set(MetricName.runs, [("state", state)], Double(runs[state] ?? 0))
        }
        for state in Set(stepStates).union(steps.keys).sorted() {
            set(MetricName.steps, [("state", state)], Double(steps[state] ?? 0))
        }
    }

    /// The engine's load now.
    public func engine(_ load: EngineLoad) {
        set(MetricName.engineReadySteps, [], Double(load.readySteps))
        set(MetricName.engineRunningSteps, [], Double(load.runningSteps))
        set(MetricName.engineActiveRuns, [], Double(load.activeRuns))
    }
}
