import CharterModel
import CharterScheduling
import Foundation
import Testing

@Suite struct RunIDTests {
    @Test func scheduledIDsNameTheTickInUTCToTheMinute() {
        #expect(
            RunID.scheduled(routine: "nightly-code-review", at: t("2026-11-23T14:00:00Z"))
                == "nightly-code-review-20261123T1400Z")
        #expect(RunID.scheduled(routine: "r", at: t("2026-03-29T03:00:00+02:00")) == "r-20260329T0100Z")
        #expect(RunID.scheduled(routine: "r", at: t("1999-01-02T03:04:00Z")) == "r-19990102T0304Z")
    }

    @Test func aTickOffTheWholeMinuteKeepsItsSeconds() {
        // Berlin kept local mean time, UTC+00:53:28, until 1893, so 09:00 there was 08:06:32Z.
        #expect(RunID.scheduled(routine: "r", at: t("1890-01-01T08:06:32Z")) == "r-18900101T080632Z")
        let r = routine("r", "0 9 * * *", zone: "Europe/Berlin")
        let fire = Scheduler.nextFires(of: r.expression, in: r.timeZone, after: t("1890-01-01T00:00:00Z"), count: 1)
        #expect(fire == [t("1890-01-01T08:06:32Z")])
    }

    @Test(arguments: [
        "nightly-code-review-20261123T1400Z", "a-b-c-20260329T0100Z", "r-18900101T080632Z", "r-09990102T0304Z",
    ])
    func scheduledIDsParseBack(id: String) throws {
        let parsed = try #require(RunID.parseScheduled(id))
        #expect(RunID.scheduled(routine: parsed.routine, at: parsed.scheduledTime) == id)
    }

    @Test func parsedIDsGiveTheRoutineAndTick() throws {
        let parsed = try #require(RunID.parseScheduled("a-1-20261123T1400Z"))
        #expect(parsed.routine == "a-1")
        #expect(parsed.scheduledTime == t("2026-11-23T14:00:00Z"))
    }

    @Test(arguments: [
        "", "nightly", "-20261123T1400Z", "r-20261123T1400", "r-20261123X1400Z", "r-20261323T1400Z",
        "r-20260230T1400Z", "r-20261123T2400Z", "r-20261123T140000Z", "r-2026112T1400Z", "r-20261123T1400Z-abcdef",
        "r-20261123t1400z",
    ])
    func otherTextIsNotAScheduledID(text: String) {
        #expect(RunID.parseScheduled(text) == nil)
    }

    @Test func onDemandIDsAreReadableAndDisambiguated() throws {
        let arguments: [String: Value] = ["topic": "on-call toil", "ideas": 7]
        let time = t("2026-11-23T14:05:12.345Z")
        let id = RunID.onDemand(template: "brainstorm", arguments: arguments, at: time, nonce: "1")
        #expect(id.wholeMatch(of: /brainstorm-20261123T140512Z-[0-9a-f]{6}/) != nil)
        // A pure function of its inputs…
        #expect(RunID.onDemand(template: "brainstorm", arguments: arguments, at: time, nonce: "1") == id)
        // …whose suffix is the SHA-256 prefix of the canonical request.
        let hash = CanonicalJSON.sha256([
            "template": "brainstorm", "arguments": .object(arguments), "timeMilliseconds": 1_795_442_712_345,
            "nonce": "1",
        ])
        #expect(id.hasSuffix("-" + hash.prefix(6)))
        // Another nonce, other arguments or another millisecond give another id.
        #expect(RunID.onDemand(template: "brainstorm", arguments: arguments, at: time, nonce: "2") != id)
        #expect(RunID.onDemand(template: "brainstorm", arguments: [:], at: time, nonce: "1") != id)
        #expect(
            RunID.onDemand(template: "brainstorm", arguments: arguments, at: time.addingTimeInterval(0.001), nonce: "1")
                != id)
        #expect(RunID.parseScheduled(id) == nil)
    }
}

@Suite struct ScheduleStateCodingTests {
    @Test func encodesTimesAsRFC3339InUTC() throws {
        let s = ScheduleState(
            lastScheduledTime: t("2026-11-23T15:00:00Z"), lastStartedRunID: "hourly-20261123T1400Z",
            lastSkipped: SkippedTick(
                scheduledTime: t("2026-11-23T15:00:00Z"), runID: "hourly-20261123T1500Z", reason: .concurrencyForbidden
            ))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970  // ignored: the state writes its own strings
        let json = String(decoding: try encoder.encode(s), as: UTF8.self)
        #expect(
            json
                == #"{"lastScheduledTime":"2026-11-23T15:00:00Z","lastSkipped":{"reason":"concurrencyForbidden","#
                + #""runID":"hourly-20261123T1500Z","scheduledTime":"2026-11-23T15:00:00Z"},"#
                + #""lastStartedRunID":"hourly-20261123T1400Z"}"#)
        #expect(try JSONDecoder().decode(ScheduleState.self, from: Data(json.utf8)) == s)
    }

    @Test func aFirstSeenStateHasOnlyItsTime() throws {
        let json = String(
            decoding: try JSONEncoder().encode(ScheduleState(firstSeen: t("2026-11-23T14:30:00.75Z"))), as: UTF8.self)
        #expect(json == #"{"lastScheduledTime":"2026-11-23T14:30:00Z"}"#)
    }

    @Test func refusesAMangledTime() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ScheduleState.self, from: Data(#"{"lastScheduledTime":"yesterday"}"#.utf8))
        }
    }
}

@Suite struct NextFiresTests {
    @Test func listsTheNextFiresStrictlyAfterFrom() {
        let r = routine("r", "0 9 * * MON-FRI")
        // From exactly a tick: that tick is not listed.
        #expect(
            Scheduler.nextFires(of: r.expression, in: r.timeZone, after: t("2026-11-20T09:00:00Z"), count: 3) == [
                t("2026-11-23T09:00:00Z"), t("2026-11-24T09:00:00Z"), t("2026-11-25T09:00:00Z"),
            ])
        #expect(Scheduler.nextFires(of: r.expression, in: r.timeZone, after: t("2026-11-20T09:00:00Z"), count: 0) == [])
    }

    @Test func stopsWhereTheCalendarEnds() {
        // 29 February: 9996 is the last leap year before 10000 (a year the search does not reach).
        let r = routine("r", "0 0 29 2 *")
        #expect(
            Scheduler.nextFires(of: r.expression, in: r.timeZone, after: t("9992-03-01T00:00:00Z"), count: 5) == [
                t("9996-02-29T00:00:00Z")
            ])
        let d = Scheduler.decide(
            r, state: state("9996-03-01T00:00:00Z"), now: t("9999-06-01T00:00:00Z"), activeRunIDs: [])
        #expect(d.action == .nothingDue)
        #expect(d.nextTick == nil)
    }
}
