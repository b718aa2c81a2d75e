/// One budget's room left today, for the budget gauges.
public struct BudgetRemaining: Sendable, Hashable {
    /// `organization`, `role` or `routine`.
    public var scope: String
    /// The Role's or Routine's name; empty for the organization.
    public var name: String
    /// Tokens left (never below 0); nil without a token limit.
    public var tokens: Int64?
    /// Cost left in micro-USD (never below 0); nil without a cost limit.
    public var costMicros: Int64?

    /// A budget's room.
    public init(scope: String, name: String, tokens: Int64?, costMicros: Int64?) {
        self.scope = scope
        self.name = name
        self.tokens = tokens
        self.costMicros = costMicros
    }
}

extension CharterMetrics {
    /// The label for a call refused before any source was tried.
    public static let noSource = "none"

    /// One attempt at `source` (or a call refused before any, with ``noSource``) ended with
    /// `outcome` (the ledger's outcome), charging `inputTokens`, `outputTokens` and `costMicros`.
    public func brokerCall(
        source: String, outcome: String, inputTokens: Int = 0, outputTokens: Int = 0, costMicros: Int64 = 0
    ) {
        count(MetricName.brokerCalls, [("source", source), ("outcome", outcome)])
        if inputTokens > 0 {
            count(MetricName.brokerTokens, [("source", source), ("direction", "input")], by: Int64(inputTokens))
        }
        if outputTokens > 0 {
            count(MetricName.brokerTokens, [("source", source), ("direction", "output")], by: Int64(outputTokens))
        }
        if costMicros > 0 { add(MetricName.brokerCost, [("source", source)], Double(costMicros) / 1_000_000) }
    }

    /// A call found no capacity at once and joined the queue.
    public func brokerWaitStarted() { count(MetricName.brokerWaits) }

    /// A queued call left the queue after `duration` (admitted, refused or cancelled).
    public func brokerWaitEnded(after duration: Duration) { time(MetricName.brokerWaitDuration, [], duration) }

    /// A failure at `source` started a cooldown; `reason` is the error's kind.
    public func brokerCooldown(source: String, reason: String) {
        count(MetricName.brokerCooldowns, [("source", source), ("reason", reason)])
    }

    /// Calls waiting in the broker's queue now.
    public func brokerQueued(_ calls: Int) { set(MetricName.brokerQueued, [], Double(calls)) }

    /// Each budget's room left today; a budget without a limit of a kind records none of that kind.
    public func budgets(_ budgets: [BudgetRemaining]) {
        for b in budgets {
            let labels = [("scope", b.scope), ("name", b.name)]
            if let tokens = b.tokens { set(MetricName.budgetRemainingTokens, labels, Double(max(0, tokens))) }
            if let cost = b.costMicros {
                set(MetricName.budgetRemainingCost, labels, Double(max(0, cost)) / 1_000_000)
            }
        }
    }
}
