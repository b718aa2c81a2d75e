import CharterBroker
import CharterModel
import Foundation

/// Today's LLM spend against the budgets the applied organization declares: what the broker
/// enforces (``BrokerBudgets/declared(roles:routines:policies:timeZone:)``), read from the usage
/// ledger for the current budget day (midnight to midnight in the Organization's zone).
struct Spend: Sendable {
    /// One scope's usage today and its limit.
    struct Line: Sendable {
        var scope: String
        var tokens: Int
        var costMicros: Int64
        var limit: BudgetLimit?
    }

    /// `YYYY-MM-DD` in the budgets' zone.
    var day: String
    var zone: String
    /// The organization first, then roles and routines with a budget or with spend today.
    var lines: [Line]

    /// Today's spend in `ledger` against the budgets `state` declares.
    init(state: OrgState, ledger: UsageLedger?, now: Date) throws {
        let zoneName = state.organization?.timeZone ?? "UTC"
        let zone = TimeZone(identifier: zoneName) ?? TimeZone(identifier: "UTC")!
        let budgets = BrokerBudgets.declared(
            roles: Array(state.roles.values), routines: Array(state.routines.values),
            policies: Array(state.policies.values), timeZone: zone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: now)
        let c = calendar.dateComponents([.year, .month, .day], from: start)
        day = String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        self.zone = zoneName
        func totals(_ grouping: UsageGrouping) throws -> [String: UsageTotal] {
            guard let ledger else { return [:] }
            return Dictionary(
                try ledger.totals(by: grouping, since: start).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        }
        func line(_ scope: String, _ total: UsageTotal?, _ limit: BudgetLimit?) -> Line {
            Line(
                scope: scope, tokens: (total?.usage.input ?? 0) + (total?.usage.output ?? 0),
                costMicros: total?.costMicros ?? 0, limit: limit)
        }
        let byRole = try totals(.role)
        let byRoutine = try totals(.routine)
        // Every call is charged to the organization, with or without a role.
        var lines = [
            Line(
                scope: "organization", tokens: byRole.values.reduce(0) { $0 + $1.usage.input + $1.usage.output },
                costMicros: byRole.values.reduce(0) { $0 + $1.costMicros }, limit: budgets.organization)
        ]
        for name in Set(budgets.roles.keys).union(byRole.keys.filter { $0 != "-" }).sorted() {
            lines.append(line("role \(name)", byRole[name], budgets.roles[name]))
        }
        for name in Set(budgets.routines.keys).union(byRoutine.keys.filter { $0 != "-" }).sorted() {
            lines.append(line("routine \(name)", byRoutine[name], budgets.routines[name]))
        }
        self.lines = lines
    }

    /// `used of limit (percent)`, or just what was used when there is no limit.
    static func text(tokens: Int, costMicros: Int64, limit: BudgetLimit?) -> String {
        var parts: [String] = []
        if let l = limit?.tokensPerDay {
            parts.append("\(tokens) of \(l) tokens (\(l > 0 ? tokens * 100 / l : 100) %)")
        } else {
            parts.append("\(tokens) tokens")
        }
        if let l = limit?.costMicrosPerDay {
            parts.append(
                "\(TokenPrices.usd(costMicros)) of \(TokenPrices.usd(l)) (\(l > 0 ? Int(costMicros * 100 / l) : 100) %)"
            )
        } else {
            parts.append(TokenPrices.usd(costMicros))
        }
        return parts.joined(separator: ", ")
    }
}
