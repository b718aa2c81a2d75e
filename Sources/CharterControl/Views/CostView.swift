import CharterBroker
import CharterModel
import Foundation

/// LLM usage and cost by day, role, routine or source, as `charter cost -o json`, the API and the
/// dashboard's charts show it.
public enum CostView {
    /// One row per group: calls, failures, refusals, tokens and cost (micro-USD and text).
    public static func rows(_ totals: [UsageTotal], by grouping: UsageGrouping) -> Value {
        .array(
            totals.map { t in
                [
                    grouping.rawValue: .string(t.key), "calls": .int(t.calls), "failures": .int(t.failures),
                    "refused": .int(t.refused),
                    "inputTokens": .int(t.usage.input), "outputTokens": .int(t.usage.output),
                    "cachedInputTokens": .int(t.usage.cachedInput), "reasoningTokens": .int(t.usage.reasoning),
                    "costMicroUSD": .int(Int(t.costMicros)), "cost": .string(t.costText),
                    "estimatedCalls": .int(t.estimated),
                ]
            })
    }
}
