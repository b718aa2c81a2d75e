import CharterScheduling
import Foundation
import Testing

@Suite struct MissedTickTests {
    @Test func firstSightDoesNotBackfill() {
        // Applied at 14:30; the 14:00 tick (and every earlier one) predates the routine.
        let first = ScheduleState(firstSeen: t("2026-11-23T14:30:00.250Z"))
        #expect(first.lastScheduledTime == t("2026-11-23T14:30:00Z"))
        let d = Scheduler.decide(routine(), state: first, now: t("2026-11-23T14:30:00.250Z"), activeRunIDs: [])
        #expect(d.action == .nothingDue)
        #expect(d.state == first)
        #expect(d.dueTicks == 0)
        #expect(d.nextTick == t("2026-11-23T15:00:00Z"))
        let later = Scheduler.decide(routine(), state: first, now: t("2026-11-23T14:59:59Z"), activeRunIDs: [])
        #expect(later.action == .nothingDue)
    }

    @Test func aRoutineAppliedExactlyOnATickDoesNotRunThatTick() {
        let first = ScheduleState(firstSeen: t("2026-11-23T14:00:00Z"))
        let d = Scheduler.decide(routine(), state: first, now: t("2026-11-23T14:00:10Z"), activeRunIDs: [])
        #expect(d.action == .nothingDue)
    }

    @Test func oneDueTickStarts() {
        let d = Scheduler.decide(
            routine(priority: 7), state: state("2026-11-23T14:00:00Z"), now: t("2026-11-23T15:00:05Z"),
            activeRunIDs: [])
        let run = ScheduledRun(
            id: "hourly-20261123T1500Z", routine: "hourly", scheduledTime: t("2026-11-23T15:00:00Z"), priority: 7)
        #expect(d.action == .start(run))
        #expect(d.state.lastScheduledTime == t("2026-11-23T15:00:00Z"))
        #expect(d.state.lastStartedRunID == "hourly-20261123T1500Z")
        #expect(d.state.lastSkipped == nil)
        #expect(d.dueTicks == 1)
        #expect(d.droppedTicks == 0)
        #expect(!d.tooManyMissed)
        #expect(d.nextTick == t("2026-11-23T16:00:00Z"))
    }

    @Test func manyMissedTicksStartOnlyTheMostRecent() {
        // Down from 14:00 on the 23rd to 09:30 on the 24th: 15:00…23:00 and 00:00…09:00 are due.
        let d = Scheduler.decide(
            routine(), state: state("2026-11-23T14:00:00Z"), now: t("2026-11-24T09:30:00Z"), activeRunIDs: [])
        #expect(started(d)?.scheduledTime == t("2026-11-24T09:00:00Z"))
        #expect(started(d)?.id == "hourly-20261124T0900Z")
        #expect(d.dueTicks == 19)
        #expect(d.droppedTicks == 18)
        #expect(!d.dueTicksEstimated)
        #expect(d.state.lastScheduledTime == t("2026-11-24T09:00:00Z"))
        // The dropped ticks are gone for good: the next pass has nothing to do.
        let next = Scheduler.decide(routine(), state: d.state, now: t("2026-11-24T09:31:00Z"), activeRunIDs: [])
        #expect(next.action == .nothingDue)
    }

    @Test func moreThanAHundredMissedIsAWarningNotAnError() {
        // Every minute from 00:00 (handled) to 02:00: 120 due ticks.
        let d = Scheduler.decide(
            routine("often", "* * * * *"), state: state("2026-11-20T00:00:00Z"), now: t("2026-11-20T02:00:30Z"),
            activeRunIDs: [])
        #expect(d.dueTicks == 120)
        #expect(d.tooManyMissed)
        #expect(started(d)?.scheduledTime == t("2026-11-20T02:00:00Z"))
    }

    @Test func decadesOfMissedTicksCostBoundedWork() {
        // 2000-01-01 → 2026-11-23 is 26 × 365 + 7 leap days (2000…2024) + 326 days = 9,823 days;
        // every minute of that plus 14:07 is 9,823 × 1,440 + 847 = 14,145,967 ticks.
        let d = Scheduler.decide(
            routine("often", "* * * * *"), state: state("2000-01-01T00:00:00Z"), now: t("2026-11-23T14:07:30Z"),
            activeRunIDs: [])
        #expect(started(d)?.scheduledTime == t("2026-11-23T14:07:00Z"))
        #expect(d.dueTicksEstimated)
        #expect(d.dueTicks == 14_145_967)
        #expect(d.tooManyMissed)
    }

    @Test(arguments: [
        // Monday 2026-11-23 12:00: the latest of 06:30, 10:30, 14:30 on weekdays is Monday 10:30.
        ("2026-11-23T12:00:00Z", "2026-11-23T10:30:00Z"),
        // Monday 06:00 is before Monday's first tick: the latest is Friday 14:30.
        ("2026-11-23T06:00:00Z", "2026-11-20T14:30:00Z"),
        // Sunday: still Friday 14:30.
        ("2026-11-22T23:59:59Z", "2026-11-20T14:30:00Z"),
    ])
    func theMostRecentTickOfAnUnevenScheduleIsExactAfterYearsDown(now: String, latest: String) {
        // The schedule from the Kubernetes controller's comment, which its interval estimate gets wrong.
        let d = Scheduler.decide(
            routine("uneven", "30 6-16/4 * * 1-5"), state: state("2016-01-01T00:00:00Z"), now: t(now),
            activeRunIDs: [])
        #expect(started(d)?.scheduledTime == t(latest))
        #expect(d.dueTicksEstimated)
        #expect(d.dueTicks > Scheduler.exactCountLimit)
    }

    @Test func aClockThatWentBackStartsNothingAndWaitsForTheNextTick() {
        let d = Scheduler.decide(
            routine(), state: state("2026-11-23T15:00:00Z"), now: t("2026-11-23T13:10:00Z"), activeRunIDs: [])
        #expect(d.action == .nothingDue)
        #expect(d.state == state("2026-11-23T15:00:00Z"))
        #expect(d.nextTick == t("2026-11-23T16:00:00Z"))
    }
}

@Suite struct StartingDeadlineTests {
    /// platform-standup: 09:30 Berlin on weekdays, 30 minutes' grace. In November Berlin is UTC+1,
    /// so Monday's tick is 08:30Z and its deadline 09:00Z.
    let standup = routine(
        "platform-standup", "30 9 * * MON-FRI", zone: "Europe/Berlin", deadlineMilliseconds: 1_800_000)
    /// Friday's tick, handled.
    let friday = state("2026-11-20T08:30:00Z")

    @Test func withinTheDeadlineStartsLate() {
        let d = Scheduler.decide(standup, state: friday, now: t("2026-11-23T08:45:00Z"), activeRunIDs: [])
        #expect(started(d)?.id == "platform-standup-20261123T0830Z")
    }

    @Test func exactlyAtTheDeadlineStillStarts() {
        let d = Scheduler.decide(standup, state: friday, now: t("2026-11-23T09:00:00Z"), activeRunIDs: [])
        #expect(started(d)?.scheduledTime == t("2026-11-23T08:30:00Z"))
    }

    @Test func oneMillisecondPastTheDeadlineIsSkippedAndRecorded() {
        let d = Scheduler.decide(standup, state: friday, now: t("2026-11-23T09:00:00.001Z"), activeRunIDs: [])
        let skip = SkippedTick(
            scheduledTime: t("2026-11-23T08:30:00Z"), runID: "platform-standup-20261123T0830Z",
            reason: .startingDeadlineExceeded)
        #expect(d.action == .skip(skip))
        #expect(d.state.lastScheduledTime == t("2026-11-23T08:30:00Z"))
        #expect(d.state.lastSkipped == skip)
        #expect(d.state.lastStartedRunID == nil)
        // Recorded: never reconsidered, and Tuesday's tick runs normally.
        let again = Scheduler.decide(standup, state: d.state, now: t("2026-11-23T09:05:00Z"), activeRunIDs: [])
        #expect(again.action == .nothingDue)
        #expect(again.nextTick == t("2026-11-24T08:30:00Z"))
        let tuesday = Scheduler.decide(standup, state: d.state, now: t("2026-11-24T08:30:01Z"), activeRunIDs: [])
        #expect(started(tuesday)?.id == "platform-standup-20261124T0830Z")
    }

    @Test func aLongOutageSkipsOnlyTheMostRecentTickAndCountsTheRest() {
        // Down from Friday to Wednesday 10:30 Berlin: Monday, Tuesday and Wednesday 09:30 are due.
        let d = Scheduler.decide(standup, state: friday, now: t("2026-11-25T09:30:00Z"), activeRunIDs: [])
        #expect(skipped(d)?.scheduledTime == t("2026-11-25T08:30:00Z"))
        #expect(skipped(d)?.reason == .startingDeadlineExceeded)
        #expect(d.dueTicks == 3)
    }

    @Test func aZeroDeadlineStartsOnlyOnTheDot() {
        let strict = routine(deadlineMilliseconds: 0)
        let onTime = Scheduler.decide(
            strict, state: state("2026-11-23T14:00:00Z"), now: t("2026-11-23T15:00:00Z"), activeRunIDs: [])
        #expect(started(onTime) != nil)
        let late = Scheduler.decide(
            strict, state: state("2026-11-23T14:00:00Z"), now: t("2026-11-23T15:00:00.001Z"), activeRunIDs: [])
        #expect(skipped(late)?.reason == .startingDeadlineExceeded)
    }
}

@Suite struct ConcurrencyPolicyTests {
    let previous = "hourly-20261123T1400Z"
    let last = state("2026-11-23T14:00:00Z")
    let now = t("2026-11-23T15:00:02Z")

    @Test func forbidSkipsWhileARunIsActive() {
        let d = Scheduler.decide(routine(policy: .forbid), state: last, now: now, activeRunIDs: [previous])
        let skip = SkippedTick(
            scheduledTime: t("2026-11-23T15:00:00Z"), runID: "hourly-20261123T1500Z", reason: .concurrencyForbidden)
        #expect(d.action == .skip(skip))
        #expect(d.state.lastScheduledTime == t("2026-11-23T15:00:00Z"))
        #expect(d.state.lastSkipped == skip)
        // Unlike Kubernetes, the tick does not start later when the old run ends.
        let after = Scheduler.decide(
            routine(policy: .forbid), state: d.state, now: t("2026-11-23T15:20:00Z"), activeRunIDs: [])
        #expect(after.action == .nothingDue)
    }

    @Test func forbidStartsWhenNothingIsActive() {
        let d = Scheduler.decide(routine(policy: .forbid), state: last, now: now, activeRunIDs: [])
        #expect(started(d)?.id == "hourly-20261123T1500Z")
    }

    @Test func replaceCancelsTheActiveRunsThenStarts() {
        let d = Scheduler.decide(
            routine(policy: .replace), state: last, now: now,
            activeRunIDs: [previous, "hourly-20261123T1300Z", previous])
        let run = ScheduledRun(
            id: "hourly-20261123T1500Z", routine: "hourly", scheduledTime: t("2026-11-23T15:00:00Z"), priority: 0)
        #expect(d.action == .replace(cancel: ["hourly-20261123T1300Z", previous], start: run))
        #expect(d.state.lastStartedRunID == "hourly-20261123T1500Z")
    }

    @Test func replaceWithNothingActiveIsAPlainStart() {
        let d = Scheduler.decide(routine(policy: .replace), state: last, now: now, activeRunIDs: [])
        #expect(d.action == .start(started(d)!))
    }

    @Test func allowStartsAlongsideActiveRuns() {
        let d = Scheduler.decide(routine(policy: .allow), state: last, now: now, activeRunIDs: [previous])
        #expect(d.action == .start(started(d)!))
        #expect(started(d)?.id == "hourly-20261123T1500Z")
    }
}

@Suite struct DisabledRoutineTests {
    @Test func disabledTicksAreSkippedAndReenablingDoesNotBurstOldTicks() {
        let off = routine(enabled: false)
        let d = Scheduler.decide(
            off, state: state("2026-11-23T14:00:00Z"), now: t("2026-11-23T18:10:00Z"), activeRunIDs: [])
        #expect(skipped(d)?.reason == .disabled)
        #expect(skipped(d)?.scheduledTime == t("2026-11-23T18:00:00Z"))
        #expect(d.dueTicks == 4)
        #expect(d.state.lastScheduledTime == t("2026-11-23T18:00:00Z"))
        // Enabled again at 18:40: 18:00 was skipped while disabled, so nothing runs before 19:00.
        let on = routine(enabled: true)
        let reenabled = Scheduler.decide(on, state: d.state, now: t("2026-11-23T18:40:00Z"), activeRunIDs: [])
        #expect(reenabled.action == .nothingDue)
        #expect(reenabled.nextTick == t("2026-11-23T19:00:00Z"))
        let nineteen = Scheduler.decide(on, state: d.state, now: t("2026-11-23T19:00:00Z"), activeRunIDs: [])
        #expect(started(nineteen)?.id == "hourly-20261123T1900Z")
    }

    @Test func aDisabledRoutineWithNoDueTickChangesNothing() {
        let d = Scheduler.decide(
            routine(enabled: false), state: state("2026-11-23T14:00:00Z"), now: t("2026-11-23T14:59:00Z"),
            activeRunIDs: [])
        #expect(d.action == .nothingDue)
        #expect(d.state == state("2026-11-23T14:00:00Z"))
    }

    @Test func disabledWinsOverEveryOtherReason() {
        let d = Scheduler.decide(
            routine(enabled: false, policy: .forbid, deadlineMilliseconds: 1), state: state("2026-11-23T14:00:00Z"),
            now: t("2026-11-23T15:30:00Z"), activeRunIDs: ["hourly-20261123T1400Z"])
        #expect(skipped(d)?.reason == .disabled)
    }
}

@Suite struct ExactlyOnceTests {
    @Test func theSameTickAlwaysGetsTheSameID() {
        let a = Scheduler.decide(
            routine(), state: state("2026-11-23T14:00:00Z"), now: t("2026-11-23T15:00:00Z"), activeRunIDs: [])
        let b = Scheduler.decide(
            routine(), state: state("2026-11-23T14:30:00Z"), now: t("2026-11-23T15:59:59Z"), activeRunIDs: [])
        #expect(started(a)?.id == "hourly-20261123T1500Z")
        #expect(started(a)?.id == started(b)?.id)
    }

    @Test func aRestartWithPersistedStateNeverStartsATickTwice() throws {
        let r = routine(policy: .allow)
        let before = Scheduler.decide(
            r, state: state("2026-11-23T14:00:00Z"), now: t("2026-11-23T15:00:01Z"), activeRunIDs: [])
        #expect(started(before)?.id == "hourly-20261123T1500Z")
        // The store commits the run and the state together; the process dies; a new one reads them back.
        let bytes = try JSONEncoder().encode(before.state)
        let restored = try JSONDecoder().decode(ScheduleState.self, from: bytes)
        #expect(restored == before.state)
        for now in ["2026-11-23T15:00:01Z", "2026-11-23T15:00:02Z", "2026-11-23T15:59:59Z"] {
            let after = Scheduler.decide(r, state: restored, now: t(now), activeRunIDs: ["hourly-20261123T1500Z"])
            #expect(after.action == .nothingDue)
        }
    }

    @Test func aRunAlreadyActiveUnderTheTicksIDIsNotStartedAgain() {
        // The run exists but the state recording it was lost (or written by an older controller).
        let d = Scheduler.decide(
            routine(policy: .replace), state: state("2026-11-23T14:00:00Z"), now: t("2026-11-23T15:00:01Z"),
            activeRunIDs: ["hourly-20261123T1500Z"])
        #expect(skipped(d)?.reason == .alreadyStarted)
        #expect(d.state.lastScheduledTime == t("2026-11-23T15:00:00Z"))
        #expect(d.state.lastStartedRunID == "hourly-20261123T1500Z")
    }

    @Test func pollingEveryTenSecondsStartsEachTickOnce() throws {
        let runs = try simulate(
            routine("quarter", "*/15 * * * *"), from: t("2026-11-23T13:55:00Z"), through: t("2026-11-23T15:05:00Z"),
            every: 10)
        #expect(
            runs == [
                t("2026-11-23T14:00:00Z"), t("2026-11-23T14:15:00Z"), t("2026-11-23T14:30:00Z"),
                t("2026-11-23T14:45:00Z"), t("2026-11-23T15:00:00Z"),
            ])
    }
}
