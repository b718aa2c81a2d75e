import Foundation

extension CapacityBroker {
    /// Replaces the sources and budgets the broker enforces, keeping what it has counted.
    ///
    /// The controller calls this after an apply changes a CapacitySource, a budget or the
    /// organization's time zone, so the change holds from the next call on without a restart:
    /// - a source whose name stays keeps its rate windows and the calls it has in flight, so
    ///   changing its limits neither forgets nor double-counts usage; its new declaration and
    ///   provider take over, and a cooldown ends (the change may have fixed what failed);
    /// - a removed source admits nothing more; calls already on it finish and settle normally;
    /// - budget meters keep today's usage for every role, routine and the organization, so a budget
    ///   added during the day counts what was already spent.
    ///
    /// Waiting calls are re-examined at once: a raised limit or budget may admit them.
    public func reconfigure(sources newSources: [BrokerSource], budgets: BrokerBudgets) {
        var byName: [String: Int] = [:]
        for s in sources where byName[s.name] == nil { byName[s.name] = s.index }
        var kept = Set<Int>()
        for source in newSources {
            if let i = byName[source.name], !kept.contains(i) {
                kept.insert(i)
                if sources[i].source != source.source || sources[i].retired {
                    sources[i].cooldownUntil = nil
                    sources[i].consecutiveFailures = 0
                }
                sources[i].source = source.source
                sources[i].provider = source.provider
                sources[i].prices = TokenPrices(source.source)
                sources[i].retired = false
            } else {
                var state = SourceState(index: sources.count, source)
                state.advance(to: clock.now)
                kept.insert(state.index)
                sources.append(state)
            }
        }
        for i in sources.indices where !kept.contains(i) { sources[i].retired = true }
        sourcesByClass = Self.classes(sources)
        book.replace(budgets: budgets)
        pump()
    }
}
