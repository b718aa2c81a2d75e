import CharterMetrics
import Foundation

/// The broker's live state, for status output and tests.
public struct BrokerSnapshot: Sendable, Hashable {
    /// One source's counters.
    public struct Source: Sendable, Hashable {
        /// The CapacitySource.
        public var name: String
        /// Calls in flight.
        public var inFlight: Int
        /// Requests counted in the sliding minute (settled and in flight).
        public var minuteRequests: Int
        /// Tokens counted in the sliding minute: settled usage plus reservations in flight.
        public var minuteTokens: Int
        /// Requests counted in the sliding day.
        public var dayRequests: Int
        /// Tokens counted in the sliding day.
        public var dayTokens: Int
        /// The end of the source's cooldown, when it is cooling down.
        public var cooldownUntil: Date?
    }

    /// Every source, in declaration order.
    public var sources: [Source]
    /// Calls waiting in the queue.
    public var queued: Int
}

extension CapacityBroker {
    /// The current counters of the configured sources, after dropping what left the windows.
    public func snapshot() -> BrokerSnapshot {
        let now = clock.now
        for i in sources.indices { sources[i].advance(to: now) }
        return BrokerSnapshot(
            sources: sources.filter { !$0.retired }.map { s in
                BrokerSnapshot.Source(
                    name: s.name, inFlight: s.inFlight, minuteRequests: s.minute.requests,
                    minuteTokens: s.minute.tokens, dayRequests: s.day.requests, dayTokens: s.day.tokens,
                    cooldownUntil: s.inCooldown(at: now) ? s.cooldownUntil : nil)
            }, queued: waiters.count)
    }

    /// Calls waiting in the queue.
    public var queuedCount: Int { waiters.count }

    /// Returns once the number of queued calls satisfies `condition`: how a test knows calls are
    /// waiting before it moves the clock.
    public func waitForQueue(_ condition: @escaping @Sendable (Int) -> Bool) async {
        if condition(waiters.count) { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            queueWatchers.append((condition, c))
        }
    }
}

extension CapacityBroker {
    /// Each configured budget's room left in the current budget day: its limit less what is settled
    /// and reserved, never below 0. `/metrics` reads it at each scrape.
    public func budgetRemaining() -> [BudgetRemaining] {
        let day = book.day(of: clock.now)
        let budgets = book.budgets
        var scopes: [(BudgetScope, String, String, BudgetLimit)] = budgets.roles.map { (.role($0), "role", $0, $1) }
        scopes += budgets.routines.map { (.routine($0), "routine", $0, $1) }
        if let limit = budgets.organization { scopes.append((.organization, "organization", "", limit)) }
        return scopes.sorted { ($0.1, $0.2) < ($1.1, $1.2) }.map { scope, kind, name, limit in
            let m = book.meter(scope, day: day)
            return BudgetRemaining(
                scope: kind, name: name,
                tokens: limit.tokensPerDay.map { max(0, Int64($0) - m.settledTokens - m.reservedTokens) },
                costMicros: limit.costMicrosPerDay.map { max(0, $0 - m.settledCost - m.reservedCost) })
        }
    }
}
