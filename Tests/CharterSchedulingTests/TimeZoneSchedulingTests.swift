import CharterModel
import CharterScheduling
import Foundation
import Testing

/// Europe/Berlin in 2026: CET (UTC+1) until Sunday 29 March 02:00, when clocks jump to 03:00 CEST
/// (UTC+2); back on Sunday 25 October at 03:00 CEST to 02:00 CET, so 02:00-03:00 happens twice.
@Suite struct DaylightSavingTests {
    let nightly = routine("nightly", "30 2 * * *", zone: "Europe/Berlin")

    @Test func springForwardFiresOnceAtTheEndOfTheGap() throws {
        let runs = try simulate(
            nightly, from: t("2026-03-27T23:00:00Z"), through: t("2026-03-30T03:00:00Z"), every: 300)
        #expect(
            runs == [
                t("2026-03-28T02:30:00+01:00"),  // Saturday, CET
                t("2026-03-29T03:00:00+02:00"),  // 02:30 does not exist: the gap ends at 03:00 CEST
                t("2026-03-30T02:30:00+02:00"),  // Monday, CEST
            ])
        #expect(runs[1] == t("2026-03-29T01:00:00Z"))
    }

    @Test func fallBackFiresOnceInTheRepeatedHour() throws {
        let runs = try simulate(
            nightly, from: t("2026-10-23T23:00:00Z"), through: t("2026-10-26T03:00:00Z"), every: 300)
        #expect(
            runs == [
                t("2026-10-24T02:30:00+02:00"),
                t("2026-10-25T02:30:00+02:00"),  // the first 02:30 (CEST); the second (CET) does not fire
                t("2026-10-26T02:30:00+01:00"),
            ])
        let second = Scheduler.decide(
            nightly, state: ScheduleState(lastScheduledTime: t("2026-10-25T00:30:00Z")),
            now: t("2026-10-25T02:30:30+01:00"), activeRunIDs: [])
        #expect(second.action == .nothingDue)
        #expect(second.nextTick == t("2026-10-26T01:30:00Z"))
    }

    @Test func anHourlyJobRunsInBothRepeatedHoursUnderDistinctIDs() throws {
        let runs = try simulate(
            routine("hourly", "30 * * * *", zone: "Europe/Berlin"), from: t("2026-10-25T00:00:00+02:00"),
            through: t("2026-10-25T03:45:00+01:00"), every: 60)
        #expect(
            runs == [
                t("2026-10-25T00:30:00+02:00"), t("2026-10-25T01:30:00+02:00"), t("2026-10-25T02:30:00+02:00"),
                t("2026-10-25T02:30:00+01:00"), t("2026-10-25T03:30:00+01:00"),
            ])
        #expect(RunID.scheduled(routine: "hourly", at: runs[2]) == "hourly-20261025T0030Z")
        #expect(RunID.scheduled(routine: "hourly", at: runs[3]) == "hourly-20261025T0130Z")
    }

    @Test func anOutageAcrossSpringForwardStartsTheGapTick() {
        let d = Scheduler.decide(
            nightly, state: ScheduleState(lastScheduledTime: t("2026-03-28T01:30:00Z")),
            now: t("2026-03-29T03:00:30+02:00"), activeRunIDs: [])
        #expect(started(d)?.id == "nightly-20260329T0100Z")
        #expect(d.dueTicks == 1)
    }
}

/// Northwind's research-standup: 09:00 on weekdays in New York, in an organization on Berlin time.
/// The United States move to daylight saving on 8 March 2026, Europe on 29 March, so for three
/// weeks New York is 5 hours behind Berlin instead of 6.
@Suite struct RoutineTimeZoneTests {
    let organizationZone = "Europe/Berlin"

    func research() throws -> ScheduledRoutine {
        let spec: Value = [
            "schedule": "0 9 * * MON-FRI", "timeZone": "America/New_York", "template": "daily-standup",
            "concurrencyPolicy": "forbid", "startingDeadline": "30m", "priority": 5,
        ]
        return try ScheduledRoutine(
            Routine(name: "research-standup", spec: spec), organizationTimeZone: organizationZone)
    }

    func platform() throws -> ScheduledRoutine {
        let spec: Value = ["schedule": "0 9 * * MON-FRI", "template": "daily-standup", "enabled": false]
        return try ScheduledRoutine(
            Routine(name: "platform-standup", spec: spec), organizationTimeZone: organizationZone)
    }

    @Test func aRoutineTakesItsOwnZoneElseTheOrganizations() throws {
        let r = try research()
        #expect(r.timeZone.identifier == "America/New_York")
        #expect(r.concurrencyPolicy == .forbid)
        #expect(r.startingDeadlineMilliseconds == 1_800_000)
        #expect(r.priority == 5)
        #expect(r.enabled)
        let p = try platform()
        #expect(p.timeZone.identifier == "Europe/Berlin")
        #expect(p.concurrencyPolicy == .allow)
        #expect(p.startingDeadlineMilliseconds == nil)
        #expect(!p.enabled)
    }

    @Test func fireTimesFollowEachZonesOwnDaylightSaving() throws {
        let from = t("2026-03-06T00:00:00Z")  // a Friday
        let research = try research()
        #expect(
            Scheduler.nextFires(of: research.expression, in: research.timeZone, after: from, count: 3) == [
                t("2026-03-06T14:00:00Z"),  // 09:00 EST
                t("2026-03-09T13:00:00Z"),  // 09:00 EDT, the Monday after the US change
                t("2026-03-10T13:00:00Z"),
            ])
        let platform = try platform()
        #expect(
            Scheduler.nextFires(of: platform.expression, in: platform.timeZone, after: from, count: 3) == [
                t("2026-03-06T08:00:00Z"), t("2026-03-09T08:00:00Z"), t("2026-03-10T08:00:00Z"),
            ])
    }

    @Test func eachRoutineStartsAtItsOwnTick() throws {
        let monday = t("2026-03-09T13:00:30Z")
        let ny = Scheduler.decide(
            try research(), state: ScheduleState(lastScheduledTime: t("2026-03-06T14:00:00Z")), now: monday,
            activeRunIDs: [])
        #expect(started(ny)?.id == "research-standup-20260309T1300Z")
        #expect(started(ny)?.priority == 5)
        var berlin = try platform()
        berlin.enabled = true
        let b = Scheduler.decide(
            berlin, state: ScheduleState(lastScheduledTime: t("2026-03-06T08:00:00Z")), now: monday,
            activeRunIDs: [])
        #expect(started(b)?.id == "platform-standup-20260309T0800Z")
    }

    @Test func badSchedulesAndZonesAreNamed() {
        let badZone: Value = ["schedule": "@daily", "timeZone": "Europe/Berln", "template": "x"]
        #expect(throws: ScheduleError.unknownTimeZone(routine: "r", zone: "Europe/Berln")) {
            try ScheduledRoutine(Routine(name: "r", spec: badZone), organizationTimeZone: "UTC")
        }
        #expect(
            ScheduleError.unknownTimeZone(routine: "r", zone: "Europe/Berln").description
                == "Routine/r: unknown time zone `Europe/Berln`; did you mean `Europe/Berlin`?")
        do {
            _ = try ScheduledRoutine(name: "cron", schedule: "0 25 * * *", timeZone: "UTC")
            Issue.record("an hour of 25 must be refused")
        } catch {
            #expect(error.description == "invalid schedule `0 25 * * *`: hour: 25 is out of range (0-23)")
        }
    }
}
