import CharterBroker
import CharterModel
import CharterStore
import Foundation

/// What a run's agent steps used and cost, read from the `usage` of their `step.succeeded` events:
/// for run summaries (`summary.yaml`, `SUMMARY.md`, `charter show RUN`).
public struct RunUsage: Sendable, Hashable {
    /// One step's (or the run's) tokens and cost.
    public struct Totals: Sendable, Hashable {
        /// Agent calls that answered.
        public var calls = 0
        /// Prompt tokens, cached ones included.
        public var input = 0
        /// Answer tokens, reasoning ones included.
        public var output = 0
        /// The part of `input` served from the provider's prompt cache.
        public var cachedInput = 0
        /// The part of `output` spent on hidden reasoning.
        public var reasoning = 0
        /// Cost in micro-USD; calls answered outside the broker count 0.
        public var costMicros: Int64 = 0
        /// The sources and models that answered, in order of first use.
        public var sources: [String] = []

        /// Input plus output.
        public var tokens: Int { input + output }

        mutating func add(_ usage: Value) {
            calls += 1
            input += usage["input"]?.int ?? 0
            output += usage["output"]?.int ?? 0
            cachedInput += usage["cachedInput"]?.int ?? 0
            reasoning += usage["reasoning"]?.int ?? 0
            costMicros += Int64(usage["costMicroUSD"]?.int ?? 0)
            let model = usage["model"]?.string ?? "?"
            let answered = usage["source"]?.string.map { "\($0) (\(model))" } ?? model
            if !sources.contains(answered) { sources.append(answered) }
        }

        /// The cost as `$0.000575`.
        public var costText: String { TokenPrices.usd(costMicros) }

        /// The totals as a summary value.
        public var value: Value {
            [
                "calls": .int(calls), "input": .int(input), "output": .int(output), "cachedInput": .int(cachedInput),
                "reasoning": .int(reasoning), "costMicroUSD": .int(Int(costMicros)), "cost": .string(costText),
                "sources": .array(sources.map(Value.string)),
            ]
        }
    }

    /// Per step name, for steps with at least one answered call.
    public var steps: [String: Totals] = [:]
    /// The whole run.
    public var total = Totals()

    /// Nothing used.
    public init() {}

    /// The usage recorded in `events` (one run's).
    public init(events: [Event]) {
        for event in events where event.type == "step.succeeded" {
            guard let usage = event.data["usage"], let step = event.data["step"]?.string else { continue }
            steps[step, default: Totals()].add(usage)
            total.add(usage)
        }
    }
}
