import Foundation

/// Daily usage per budget scope: settled usage plus the reservations of calls in flight.
///
/// A reservation is charged to the day it was admitted on, and so is its settlement, even when the
/// call ends after midnight; the ledger's `day` column says the same.
struct BudgetBook {
    struct Meter {
        var settledTokens: Int64 = 0
        var settledCost: Int64 = 0
        var reservedTokens: Int64 = 0
        var reservedCost: Int64 = 0
    }

    /// Whether a reservation fits every applicable budget.
    enum Fit {
        case now
        /// Only reservations in flight stand in the way: they may settle lower.
        case later(BudgetExceededError)
        /// Settled usage alone leaves no room: refused for the rest of the day.
        case never(BudgetExceededError)
    }

    struct Key: Hashable {
        var scope: BudgetScope
        var day: String
    }

    private(set) var budgets: BrokerBudgets
    private var meters: [Key: Meter] = [:]
    private var calendar: Calendar
    /// The current day's bounds, cached so most calls skip calendar arithmetic.
    private var cachedDay: (start: Date, end: Date, key: String)?

    init(budgets: BrokerBudgets) {
        self.budgets = budgets
        calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = budgets.timeZone
    }

    /// Enforces `budgets` from now on. Meters are kept for every scope, limited or not, so a
    /// budget added during the day counts what that scope already spent today.
    mutating func replace(budgets: BrokerBudgets) {
        if budgets.timeZone != self.budgets.timeZone {
            calendar.timeZone = budgets.timeZone
            cachedDay = nil
        }
        self.budgets = budgets
    }

    /// The budget day of `date`: `YYYY-MM-DD` in the budgets' time zone.
    mutating func day(of date: Date) -> String {
        if let d = cachedDay, date >= d.start, date < d.end { return d.key }
        let start = calendar.startOfDay(for: date)
        let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
        let c = calendar.dateComponents([.year, .month, .day], from: start)
        let key = String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        // Forget finished days with nothing in flight, so the book does not grow.
        if let old = cachedDay, old.key != key {
            meters = meters.filter { $0.key.day >= key || $0.value.reservedTokens > 0 || $0.value.reservedCost > 0 }
        }
        cachedDay = (start, end, key)
        return key
    }

    /// When the current budget day ends: waiters blocked by budgets are re-examined then.
    var dayEnd: Date? { cachedDay?.end }

    func meter(_ scope: BudgetScope, day: String) -> Meter { meters[Key(scope: scope, day: day)] ?? Meter() }

    /// Checks `tokens` and `cost` against every scope's limit. The rule for a limit `L` and counted
    /// usage `u` (settled + reserved): admitted iff `u < L` and `u + new ≤ L`; usage at `L` means
    /// exhausted even for a free call.
    func fit(scopes: [BudgetScope], day: String, tokens: Int64, cost: Int64) -> Fit {
        var later: BudgetExceededError?
        for scope in scopes {
            guard let limit = budgets.limit(for: scope) else { continue }
            let m = meter(scope, day: day)
            let checks: [(BudgetExceededError.Metric, Int64?, Int64, Int64, Int64)] = [
                (.tokens, limit.tokensPerDay.map(Int64.init), m.settledTokens, m.reservedTokens, tokens),
                (.cost, limit.costMicrosPerDay, m.settledCost, m.reservedCost, cost),
            ]
            for (metric, limit, settled, reserved, new) in checks {
                guard let limit else { continue }
                let error = BudgetExceededError(
                    scope: scope, metric: metric, day: day, limit: limit, used: settled, reserved: reserved,
                    requested: new)
                if settled >= limit || settled + new > limit { return .never(error) }
                let used = settled + reserved
                if (used >= limit || used + new > limit) && later == nil { later = error }
            }
        }
        return later.map(Fit.later) ?? .now
    }

    mutating func reserve(scopes: [BudgetScope], day: String, tokens: Int64, cost: Int64) {
        for scope in scopes {
            meters[Key(scope: scope, day: day), default: Meter()].reservedTokens += tokens
            meters[Key(scope: scope, day: day), default: Meter()].reservedCost += cost
        }
    }

    /// Replaces a reservation with the real usage.
    mutating func settle(
        scopes: [BudgetScope], day: String, reservedTokens: Int64, reservedCost: Int64, tokens: Int64, cost: Int64
    ) {
        for scope in scopes {
            let key = Key(scope: scope, day: day)
            var m = meters[key] ?? Meter()
            m.reservedTokens -= reservedTokens
            m.reservedCost -= reservedCost
            m.settledTokens += tokens
            m.settledCost += cost
            meters[key] = m
        }
    }

    /// Loads settled usage recorded before a restart.
    mutating func load(scope: BudgetScope, day: String, tokens: Int64, cost: Int64) {
        meters[Key(scope: scope, day: day), default: Meter()].settledTokens += tokens
        meters[Key(scope: scope, day: day), default: Meter()].settledCost += cost
    }
}
