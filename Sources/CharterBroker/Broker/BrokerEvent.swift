import Foundation

/// Something the broker did that belongs in a run's events: the engine passes
/// ``CapacityBroker/init(sources:budgets:ledger:clock:seed:configuration:onEvent:)`` an `onEvent`
/// that appends these to the run's event log.
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
