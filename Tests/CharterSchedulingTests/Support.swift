import CharterModel
import CharterScheduling
import Foundation

/// An instant written as RFC 3339 with an offset, parsed by Foundation rather than the code under
/// test, so expectations are independent of `Timestamp`.
func t(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else { fatalError("bad test timestamp \(text)") }
    return date
}

/// A routine with the given schedule and policies.
func routine(
    _ name: String = "hourly", _ schedule: String = "0 * * * *", zone: String = "UTC", enabled: Bool = true,
    policy: Routine.ConcurrencyPolicy = .allow, deadlineMilliseconds: Int? = nil, priority: Int = 0
) -> ScheduledRoutine {
    var r = try! ScheduledRoutine(name: name, schedule: schedule, timeZone: zone)
    r.enabled = enabled
    r.concurrencyPolicy = policy
    r.startingDeadlineMilliseconds = deadlineMilliseconds
    r.priority = priority
    return r
}

/// The state of a routine whose last handled tick was `last`.
func state(_ last: String) -> ScheduleState { ScheduleState(lastScheduledTime: t(last)) }

/// The run a decision starts, whether alone or replacing others.
func started(_ decision: ScheduleDecision) -> ScheduledRun? {
    switch decision.action {
    case .start(let run), .replace(_, let run): run
    case .nothingDue, .skip: nil
    }
}

/// The tick a decision skips.
func skipped(_ decision: ScheduleDecision) -> SkippedTick? {
    if case .skip(let tick) = decision.action { return tick }
    return nil
}

/// A controller polling every `step` seconds from `start` through `end`, with runs that finish at
/// once, persisting state between passes the way the store does (JSON round trip): the scheduled
/// times of the runs it started.
func simulate(_ r: ScheduledRoutine, from start: Date, through end: Date, every step: TimeInterval) throws -> [Date] {
    var persisted = try JSONEncoder().encode(ScheduleState(firstSeen: start))
    var runs: [Date] = []
    var now = start
    while now <= end {
        let decision = Scheduler.decide(
            r, state: try JSONDecoder().decode(ScheduleState.self, from: persisted), now: now, activeRunIDs: [])
        if let run = started(decision) { runs.append(run.scheduledTime) }
        persisted = try JSONEncoder().encode(decision.state)
        now += step
    }
    return runs
}
