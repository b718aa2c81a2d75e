import CharterCron
import Foundation

/// The ticks of a schedule in an interval, found with a bounded amount of work however long the
/// interval is (a controller down for a year, or a clock off by decades).
struct TickSurvey: Equatable {
    /// Ticks in the interval; exact unless `estimated`.
    var count: Int
    var estimated: Bool
    /// The latest tick in the interval, always exact.
    var mostRecent: Date?
}

enum Ticks {
    /// Ticks in `(after, through]`: walked one by one up to `exactLimit`, then the latest is found
    /// by bisection and the rest of the count estimated from the average interval walked so far.
    ///
    /// Kubernetes estimates from the first two ticks alone, which miscounts schedules with uneven
    /// gaps (`0 9 * * MON-FRI`) and can then miss the latest tick; bisection over `nextFire` cannot.
    static func survey(
        _ expression: CronExpression, in zone: TimeZone, after start: Date, through end: Date, exactLimit: Int
    ) -> TickSurvey {
        precondition(exactLimit >= 2, "an average interval needs two ticks")
        var count = 0
        var first: Date?
        var last: Date?
        var cursor = start
        while count < exactLimit, let next = expression.nextFire(after: cursor, in: zone), next <= end {
            count += 1
            first = first ?? next
            last = next
            cursor = next
        }
        guard count == exactLimit, let first, let last, let next = expression.nextFire(after: last, in: zone),
            next <= end
        else { return TickSurvey(count: count, estimated: false, mostRecent: last) }
        let latest = latestFire(expression, in: zone, after: last, through: end)
        let average = last.timeIntervalSince(first) / Double(exactLimit - 1)
        let beyond = max(1, Int((latest.timeIntervalSince(last) / average).rounded()))
        return TickSurvey(count: count + beyond, estimated: true, mostRecent: latest)
    }

    /// The latest tick at or before `end`, given that at least one lies in `(lower, end]`.
    ///
    /// Bisects on `nextFire(after:)`, which is monotonic: about 40 calls for any span up to the
    /// year 10000.
    static func latestFire(_ cron: CronExpression, in zone: TimeZone, after lower: Date, through end: Date) -> Date {
        let limit = end.timeIntervalSince1970.rounded(.down)
        func firesByEnd(after seconds: Double) -> Bool {
            guard let fire = cron.nextFire(after: Date(timeIntervalSince1970: seconds), in: zone) else {
                return false
            }
            return fire.timeIntervalSince1970 <= limit
        }
        // Invariant: a tick lies in (low, limit] and none in (high, limit].
        var low = lower.timeIntervalSince1970.rounded(.down)
        var high = limit
        while high - low > 1 {
            let middle = (low + (high - low) / 2).rounded(.down)
            if firesByEnd(after: middle) { low = middle } else { high = middle }
        }
        return cron.nextFire(after: Date(timeIntervalSince1970: low), in: zone)!
    }
}
