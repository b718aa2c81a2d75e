import Foundation

/// Something the broker did, delivered to the `onEvent` of
/// ``CapacityBroker/init(sources:budgets:ledger:clock:seed:configuration:onEvent:)``. The
/// controller logs cooldowns and refusals; a step's own events carry its usage, cost and budget
/// refusal, from the answer and the error the broker returns.
public enum BrokerEvent: Sendable {
    /// A call (one attempt at one source) finished; its ledger row is settled.
    case settled(UsageRecord)
    /// A budget refused a call; its ledger row is written.
    case budgetExceeded(BudgetExceededError, UsageRecord)
    /// A source failed with a retryable (or credential) error and takes no calls until `until`.
    case cooldown(source: String, until: Date, error: CompletionError)
    /// A call waited until its deadline without capacity; its ledger row is written.
    case saturated(BrokerError, UsageRecord)
}
