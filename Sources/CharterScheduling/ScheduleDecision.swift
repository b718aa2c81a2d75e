import CharterFoundation
import Foundation

/// A run the scheduler decided to start for one tick of a routine.
public struct ScheduledRun: Sendable, Hashable {
    /// `ROUTINE-YYYYMMDDTHHMMZ`: the same tick always gets the same id (see ``RunID``).
    public var id: String
    /// The routine that fired.
    public var routine: String
    /// The tick, which may be earlier than when the run actually starts.
    public var scheduledTime: Date
    /// The routine's priority, for the run.
    public var priority: Int

    /// Creates a run description.
    public init(id: String, routine: String, scheduledTime: Date, priority: Int) {
        self.id = id
        self.routine = routine
        self.scheduledTime = scheduledTime
        self.priority = priority
    }
}

/// Why a tick was not started.
public enum SkipReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The routine is disabled.
    case disabled
    /// The tick is older than the routine's starting deadline allows.
    case startingDeadlineExceeded
    /// Concurrency policy `forbid`, and a run of the routine is still active.
    case concurrencyForbidden
    /// A run with the tick's id is already active: it was started before the state recording that
    /// was lost, so starting it again would run the tick twice.
    case alreadyStarted
}

/// A tick that was deliberately not started; recorded so that it is never reconsidered.
public struct SkippedTick: Sendable, Hashable, Codable {
    /// The tick.
    public var scheduledTime: Date
    /// The id the run would have had, for events and for finding the tick in logs.
    public var runID: String
    /// Why it was skipped.
    public var reason: SkipReason

    /// Creates a record of a skipped tick.
    public init(scheduledTime: Date, runID: String, reason: SkipReason) {
        self.scheduledTime = scheduledTime
        self.runID = runID
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey { case scheduledTime, runID, reason }

    /// Decodes the JSON shape `encode(to:)` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scheduledTime = try c.decodeTimestamp(forKey: .scheduledTime)
        runID = try c.decode(String.self, forKey: .runID)
        reason = try c.decode(SkipReason.self, forKey: .reason)
    }

    /// `{"scheduledTime": "2026-11-23T14:00:00Z", "runID": …, "reason": "concurrencyForbidden"}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Timestamp.utc(scheduledTime), forKey: .scheduledTime)
        try c.encode(runID, forKey: .runID)
        try c.encode(reason, forKey: .reason)
    }
}

/// What to do about a routine now. At most one tick is acted on per decision: the most recent.
public enum ScheduleAction: Sendable, Hashable {
    /// No tick is due.
    case nothingDue
    /// Create this run.
    case start(ScheduledRun)
    /// Concurrency policy `replace`: cancel these active runs (sorted ids), then create the run.
    case replace(cancel: [String], start: ScheduledRun)
    /// Do not start the tick; the new state records it as handled.
    case skip(SkippedTick)
}

/// The scheduler's answer for one routine at one moment; nothing has happened yet.
///
/// Carry out ``action`` and persist ``state`` together, in one transaction.
public struct ScheduleDecision: Sendable, Hashable {
    /// What to do.
    public var action: ScheduleAction
    /// The state to persist once the action is carried out.
    public var state: ScheduleState
    /// Ticks after the previous `lastScheduledTime` up to and including now: the one acted on plus
    /// the older ones dropped unrun (no backfill). Counted exactly up to
    /// ``Scheduler/exactCountLimit``, estimated from the average interval beyond.
    public var dueTicks: Int
    /// Whether ``dueTicks`` is an estimate.
    public var dueTicksEstimated: Bool
    /// The first tick after now (or after the last scheduled time, if the clock went back): when to
    /// decide again. Nil when the schedule never fires again before the year 10000.
    public var nextTick: Date?

    /// Creates a decision.
    public init(
        action: ScheduleAction, state: ScheduleState, dueTicks: Int, dueTicksEstimated: Bool = false,
        nextTick: Date?
    ) {
        self.action = action
        self.state = state
        self.dueTicks = dueTicks
        self.dueTicksEstimated = dueTicksEstimated
        self.nextTick = nextTick
    }

    /// Older due ticks that were dropped without a run or a skip record of their own.
    public var droppedTicks: Int { max(0, dueTicks - 1) }

    /// More than ``Scheduler/tooManyMissedLimit`` ticks were due: as Kubernetes warns
    /// (`TooManyMissedTimes`), the controller was down long or a clock is wrong. A warning only:
    /// the most recent tick is still acted on.
    public var tooManyMissed: Bool { dueTicks > Scheduler.tooManyMissedLimit }
}
