import CharterModel
import Foundation

/// A daily spending limit: tokens (input + output) and cost in integer micro-USD; either may be absent.
public struct BudgetLimit: Sendable, Hashable {
    /// The most tokens (input + output) per day.
    public var tokensPerDay: Int?
    /// The most cost per day, in micro-USD (1 USD = 1,000,000).
    public var costMicrosPerDay: Int64?

    /// A limit; `nil` parts are unlimited.
    public init(tokensPerDay: Int? = nil, costMicrosPerDay: Int64? = nil) {
        self.tokensPerDay = tokensPerDay
        self.costMicrosPerDay = costMicrosPerDay
    }

    /// A Role's or Policy's `budget:`; `costPerDay` (USD) is converted to micro-USD, to the nearest.
    public init(_ budget: Budget) {
        self.init(tokensPerDay: budget.tokensPerDay, costMicrosPerDay: budget.costPerDay.map(TokenPrices.micros))
    }
}

/// Who a budget belongs to.
public enum BudgetScope: Sendable, Hashable, CustomStringConvertible {
    /// A Role: charged for calls whose ``CompletionMetadata/role`` names it.
    case role(String)
    /// A Routine: charged for calls whose ``BrokerCallContext/routine`` names it.
    case routine(String)
    /// The whole organization: charged for every call.
    case organization

    public var description: String {
        switch self {
        case .role(let name): "role `\(name)`"
        case .routine(let name): "routine `\(name)`"
        case .organization: "the organization"
        }
    }
}

/// Every budget the broker enforces, and the time zone whose midnight starts a budget day.
public struct BrokerBudgets: Sendable, Hashable {
    /// Budgets per Role name.
    public var roles: [String: BudgetLimit]
    /// Budgets per Routine name.
    public var routines: [String: BudgetLimit]
    /// The organization's budget, charged for every call.
    public var organization: BudgetLimit?
    /// Budget days run from midnight to midnight in this zone (the Organization's `timeZone`).
    public var timeZone: TimeZone

    /// Budgets; none by default, days in UTC.
    public init(
        roles: [String: BudgetLimit] = [:], routines: [String: BudgetLimit] = [:], organization: BudgetLimit? = nil,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) {
        self.roles = roles
        self.routines = routines
        self.organization = organization
        self.timeZone = timeZone
    }

    /// No budgets.
    public static let none = BrokerBudgets()

    /// The budgets for each Role that declares one.
    public static func roles(_ roles: [Role]) -> [String: BudgetLimit] {
        var result: [String: BudgetLimit] = [:]
        for role in roles { if let budget = role.budget { result[role.name] = BudgetLimit(budget) } }
        return result
    }

    /// The budgets for each Routine that declares one.
    public static func routines(_ routines: [Routine]) -> [String: BudgetLimit] {
        var result: [String: BudgetLimit] = [:]
        for routine in routines { if let budget = routine.budget { result[routine.name] = BudgetLimit(budget) } }
        return result
    }

    /// The organization's budget from the Policies' `runRules.budget`: each Policy's limit holds,
    /// so per metric the smallest one applies; nil when no Policy sets one.
    public static func organization(_ policies: [Policy]) -> BudgetLimit? {
        let limits = policies.compactMap { $0.budget.map(BudgetLimit.init) }
        guard !limits.isEmpty else { return nil }
        return BudgetLimit(
            tokensPerDay: limits.compactMap(\.tokensPerDay).min(),
            costMicrosPerDay: limits.compactMap(\.costMicrosPerDay).min())
    }

    /// The budgets an applied organization declares: Roles' and Routines' `budget`, and the
    /// Policies' `runRules.budget` for the organization as a whole; days in `timeZone`.
    public static func declared(
        roles: [Role], routines: [Routine], policies: [Policy], timeZone: TimeZone
    )
        -> BrokerBudgets
    {
        BrokerBudgets(
            roles: Self.roles(roles), routines: Self.routines(routines), organization: organization(policies),
            timeZone: timeZone)
    }

    func limit(for scope: BudgetScope) -> BudgetLimit? {
        switch scope {
        case .role(let name): roles[name]
        case .routine(let name): routines[name]
        case .organization: organization
        }
    }

    /// The scopes a call with `role` and `routine` is charged to, in the order errors name them.
    static func scopes(role: String?, routine: String?) -> [BudgetScope] {
        var scopes: [BudgetScope] = []
        if let role { scopes.append(.role(role)) }
        if let routine { scopes.append(.routine(routine)) }
        scopes.append(.organization)
        return scopes
    }
}
