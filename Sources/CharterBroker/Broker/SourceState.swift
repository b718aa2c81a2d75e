import CharterModel
import Foundation

/// What the broker knows about one source at run time: its rate windows, the calls in flight,
/// and its cooldown after failures.
struct SourceState {
    /// Whether a reservation fits a source's limits.
    enum Fit: Equatable {
        /// It fits now.
        case now
        /// It will fit once usage leaves the windows or calls finish.
        case later
        /// It can never fit: the reservation alone exceeds a limit (or a limit is 0).
        case never(String)
    }

    let index: Int
    var source: CapacitySource
    var provider: any CompletionProvider
    var prices: TokenPrices
    /// Removed by ``CapacityBroker/reconfigure(sources:budgets:)``: admits nothing, but keeps its
    /// slot so calls still in flight settle against it.
    var retired = false
    var minute = SlidingWindow(length: 60)
    var day = SlidingWindow(length: 86_400)
    var inFlight = 0
    /// The source takes no calls before this instant.
    var cooldownUntil: Date?
    /// Failures since the last success: the exponent of the backoff.
    var consecutiveFailures = 0

    init(index: Int, _ broker: BrokerSource) {
        self.index = index
        source = broker.source
        provider = broker.provider
        prices = TokenPrices(broker.source)
    }

    var name: String { source.name }

    func inCooldown(at now: Date) -> Bool { cooldownUntil.map { now < $0 } ?? false }

    mutating func advance(to now: Date) {
        minute.advance(to: now)
        day.advance(to: now)
    }

    /// Whether one more request reserving `tokens` fits. A limit `L` admits only while the counted
    /// usage is below `L` and the usage plus the reservation is at most `L`: a reservation that
    /// exactly fills the limit is admitted, one token more waits, and usage at `L` admits nothing.
    func fit(tokens: Int) -> Fit {
        let checks: [(limit: Int?, used: Int, adding: Int, what: String)] = [
            (source.requestsPerMinute, minute.requests, 1, "requestsPerMinute"),
            (source.tokensPerMinute, minute.tokens, tokens, "tokensPerMinute"),
            (source.requestsPerDay, day.requests, 1, "requestsPerDay"),
            (source.tokensPerDay, day.tokens, tokens, "tokensPerDay"),
            (source.concurrentRequests, inFlight, 1, "concurrentRequests"),
        ]
        var result = Fit.now
        for check in checks {
            guard let limit = check.limit else { continue }
            if check.adding > limit {
                return .never("the call reserves \(check.adding) against \(check.what) \(limit) of `\(name)`")
            }
            if check.used >= limit || check.used + check.adding > limit { result = .later }
        }
        return result
    }

    /// The next instant a window drops an entry, when the source has window limits.
    var nextWindowExpiry: Date? {
        [minute.nextExpiry, day.nextExpiry].compactMap { $0 }.min()
    }
}
