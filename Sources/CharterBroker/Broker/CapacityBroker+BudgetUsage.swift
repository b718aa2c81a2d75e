import Foundation

/// How much of one daily limit a budget scope has spent today (settled usage; reservations in
/// flight may still settle lower, so they are not counted).
public struct BudgetUsage: Sendable, Hashable {
    /// Whose budget.
    public var scope: BudgetScope
    /// What is limited.
    public var metric: BudgetExceededError.Metric
    /// The budget day, `YYYY-MM-DD` in the budgets' time zone.
    public var day: String
    /// The limit (tokens, or micro-USD for cost).
    public var limit: Int64
    /// What was spent.
    public var used: Int64

    /// `used` as a fraction of `limit`; a zero limit is spent at once.
    public var fraction: Double { limit > 0 ? Double(used) / Double(limit) : 1 }
}

extension CapacityBroker {
    /// Today's usage of every limit the broker enforces, for notifications (budget at 80 %, at
    /// 100 %); sorted by scope, then metric.
    public func budgetUsage() -> [BudgetUsage] {
        let day = book.day(of: clock.now)
        let budgets = book.budgets
        var scopes: [(BudgetScope, BudgetLimit)] = []
        if let o = budgets.organization { scopes.append((.organization, o)) }
        scopes += budgets.roles.sorted { $0.key < $1.key }.map { (.role($0.key), $0.value) }
        scopes += budgets.routines.sorted { $0.key < $1.key }.map { (.routine($0.key), $0.value) }
        var result: [BudgetUsage] = []
        for (scope, limit) in scopes {
            let meter = book.meter(scope, day: day)
            if let tokens = limit.tokensPerDay {
                result.append(
                    BudgetUsage(
                        scope: scope, metric: .tokens, day: day, limit: Int64(tokens), used: meter.settledTokens))
            }
            if let cost = limit.costMicrosPerDay {
                result.append(BudgetUsage(scope: scope, metric: .cost, day: day, limit: cost, used: meter.settledCost))
            }
        }
        return result
    }
}
