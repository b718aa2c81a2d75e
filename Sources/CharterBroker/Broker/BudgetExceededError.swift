/// A call refused because it does not fit a daily budget: the step fails with this error, which is
/// never retryable the same day. It names the budget, its limit and the usage, never a secret.
public struct BudgetExceededError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the budget limits.
    public enum Metric: String, Sendable, Hashable {
        /// Tokens (input + output) per day.
        case tokens
        /// Cost per day, in micro-USD.
        case cost
    }

    /// Whose budget.
    public var scope: BudgetScope
    /// Tokens or cost.
    public var metric: Metric
    /// The budget day (`YYYY-MM-DD` in the budgets' time zone).
    public var day: String
    /// The limit (tokens, or micro-USD).
    public var limit: Int64
    /// Settled usage of the day (tokens, or micro-USD).
    public var used: Int64
    /// Reservations of calls still in flight.
    public var reserved: Int64
    /// The most this call could use: its reservation.
    public var requested: Int64

    /// A budget refusal.
    public init(
        scope: BudgetScope, metric: Metric, day: String, limit: Int64, used: Int64, reserved: Int64, requested: Int64
    ) {
        self.scope = scope
        self.metric = metric
        self.day = day
        self.limit = limit
        self.used = used
        self.reserved = reserved
        self.requested = requested
    }

    public var description: String {
        let format: (Int64) -> String = { metric == .cost ? TokenPrices.usd($0) : "\($0) tokens" }
        let state = used >= limit ? "is exhausted" : "cannot fit this call"
        return "budget exceeded: the \(metric == .cost ? "cost" : "token") budget of \(scope) for \(day) \(state): "
            + "used \(format(used)) of \(format(limit)) (\(format(reserved)) reserved by calls in flight), "
            + "this call needs up to \(format(requested))"
    }

}
