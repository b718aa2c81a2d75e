import CharterCron
import Foundation

/// The scheduler's decision logic: pure, with the clock passed in, so every case is a test with a
/// literal `now` and the caller owns all side effects (creating runs, cancelling, persisting).
///
/// Semantics follow the Kubernetes CronJob controller (v2), with the differences documented in
/// docs/SCHEDULING.md: a skipped tick is recorded so it is never reconsidered, and a disabled
/// routine's ticks are recorded as skipped so that enabling it starts nothing until its next tick.
public enum Scheduler {
    /// Due ticks beyond this many raise the `TooManyMissedTimes` warning (Kubernetes' number).
    public static let tooManyMissedLimit = 100
    /// Due ticks are counted one by one up to this many; beyond, the count is estimated. Bounds the
    /// work of one decision after a long outage or a wild clock.
    public static let exactCountLimit = 1_000

    /// Decides what to do about `routine` at `now`.
    ///
    /// Only ticks strictly after `state.lastScheduledTime` and at or before `now` are due, and of
    /// those only the most recent is acted on; older ones are dropped (counted in
    /// ``ScheduleDecision/dueTicks``), never backfilled. For that tick, in this order:
    ///
    /// 1. routine disabled → skip (`disabled`);
    /// 2. `now` later than tick + starting deadline → skip (`startingDeadlineExceeded`); exactly at
    ///    the deadline still starts, as in Kubernetes' `scheduledTime + deadline < now` test;
    /// 3. a run with the tick's id is among `activeRunIDs` → skip (`alreadyStarted`);
    /// 4. another run active and policy `forbid` → skip (`concurrencyForbidden`);
    /// 5. other runs active and policy `replace` → cancel them, then start;
    /// 6. otherwise start, alongside any active runs under `allow`.
    ///
    /// The returned state advances to the tick in every case, so a tick is acted on once.
    ///
    /// - Parameters:
    ///   - state: the persisted state, or `ScheduleState(firstSeen:)` for a routine never seen.
    ///   - now: the current time; nothing here reads a clock.
    ///   - activeRunIDs: the routine's runs that have not reached a terminal state.
    public static func decide(
        _ routine: ScheduledRoutine, state: ScheduleState, now: Date, activeRunIDs: [String]
    ) -> ScheduleDecision {
        let zone = routine.timeZone
        let survey = Ticks.survey(
            routine.expression, in: zone, after: state.lastScheduledTime, through: now, exactLimit: exactCountLimit)
        guard let tick = survey.mostRecent else {
            // A clock that went back leaves lastScheduledTime in the future; wake at the tick after it.
            let next = routine.expression.nextFire(after: max(now, state.lastScheduledTime), in: zone)
            return ScheduleDecision(action: .nothingDue, state: state, dueTicks: 0, nextTick: next)
        }

        let id = RunID.scheduled(routine: routine.name, at: tick)
        var newState = state
        newState.lastScheduledTime = tick
        func skip(_ reason: SkipReason) -> ScheduleAction {
            let skipped = SkippedTick(scheduledTime: tick, runID: id, reason: reason)
            newState.lastSkipped = skipped
            return .skip(skipped)
        }

        let action: ScheduleAction
        if !routine.enabled {
            action = skip(.disabled)
        } else if let deadline = routine.startingDeadlineMilliseconds,
            milliseconds(now) - milliseconds(tick) > deadline
        {
            action = skip(.startingDeadlineExceeded)
        } else if activeRunIDs.contains(id) {
            newState.lastStartedRunID = id
            action = skip(.alreadyStarted)
        } else if routine.concurrencyPolicy == .forbid && !activeRunIDs.isEmpty {
            action = skip(.concurrencyForbidden)
        } else {
            let run = ScheduledRun(id: id, routine: routine.name, scheduledTime: tick, priority: routine.priority)
            newState.lastStartedRunID = id
            if routine.concurrencyPolicy == .replace && !activeRunIDs.isEmpty {
                action = .replace(cancel: Set(activeRunIDs).sorted(), start: run)
            } else {
                action = .start(run)
            }
        }
        return ScheduleDecision(
            action: action, state: newState, dueTicks: survey.count, dueTicksEstimated: survey.estimated,
            nextTick: routine.expression.nextFire(after: now, in: zone))
    }

    /// The next `count` fire times strictly after `after`, earliest first; fewer when the schedule
    /// ends before the year 10000. A thin loop over `CronExpression.nextFire(after:in:)`.
    public static func nextFires(of expression: CronExpression, in zone: TimeZone, after: Date, count: Int) -> [Date] {
        var fires: [Date] = []
        var cursor = after
        while fires.count < count, let next = expression.nextFire(after: cursor, in: zone) {
            fires.append(next)
            cursor = next
        }
        return fires
    }

    /// Rounded to the nearest millisecond: `Date` is a binary fraction, and a deadline given in
    /// whole milliseconds must compare exactly at its boundary.
    private static func milliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1_000).rounded())
    }
}
