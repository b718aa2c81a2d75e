import CharterTestSupport
import Foundation
import Testing

/// `charter schedule next`, run as a user runs it. Expected times are worked out by hand from the
/// 2026 calendar: Europe/Berlin springs forward on 29 March and falls back on 25 October; New York
/// is on EST (UTC−5) in late November.
@Suite struct ScheduleCLITests {
    @Test func cronInAZoneAcrossSpringForward() throws {
        let r = try CharterBinary().run([
            "schedule", "next", "--cron", "30 2 * * *", "--tz", "Europe/Berlin", "--from", "2026-03-28T00:00:00Z",
            "--count", "3",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout == """
                2026-03-28T02:30:00+01:00  Sat  2026-03-28T01:30:00Z
                2026-03-29T03:00:00+02:00  Sun  2026-03-29T01:00:00Z
                2026-03-30T02:30:00+02:00  Mon  2026-03-30T00:30:00Z

                """)
    }

    @Test func cronDefaultsToUTCAndFiveFires() throws {
        let r = try CharterBinary().run(["schedule", "next", "--cron", "@daily", "--from", "2026-10-24T12:00:00+02:00"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.first == "2026-10-25T00:00:00Z  Sun  2026-10-25T00:00:00Z")
        #expect(lines.last == "2026-10-29T00:00:00Z  Thu  2026-10-29T00:00:00Z")
    }

    @Test func routineInItsOwnZoneAsJSON() throws {
        let r = try CharterBinary().run([
            "schedule", "next", "research-standup", GitFixture.exampleRepo.path, "--from", "2026-11-20T00:00:00Z",
            "--count", "2", "-o", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["routine"] as? String == "research-standup")
        #expect(object["schedule"] as? String == "0 9 * * MON-FRI")
        #expect(object["timeZone"] as? String == "America/New_York")
        #expect(object["enabled"] as? Bool == true)
        #expect(object["from"] as? String == "2026-11-20T00:00:00Z")
        let fires = try #require(object["fires"] as? [[String: String]])
        #expect(
            fires == [
                [
                    "local": "2026-11-20T09:00:00-05:00", "utc": "2026-11-20T14:00:00Z", "weekday": "Fri",
                    "runId": "research-standup-20261120T1400Z",
                ],
                [
                    "local": "2026-11-23T09:00:00-05:00", "utc": "2026-11-23T14:00:00Z", "weekday": "Mon",
                    "runId": "research-standup-20261123T1400Z",
                ],
            ])
    }

    @Test func routineWithoutAZoneUsesTheOrganizations() throws {
        // platform-standup: 09:30 on weekdays, no timeZone; Northwind's Organization is on Europe/Berlin.
        let r = try CharterBinary().run([
            "schedule", "next", "platform-standup", GitFixture.exampleRepo.path, "--from", "2026-11-20T09:00:00+01:00",
            "--count", "2",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout == """
                2026-11-20T09:30:00+01:00  Fri  2026-11-20T08:30:00Z
                2026-11-23T09:30:00+01:00  Mon  2026-11-23T08:30:00Z

                """)
    }

    @Test func aDisabledRoutineIsListedWithANote() throws {
        let r = try CharterBinary().run([
            "schedule", "next", "friday-brainstorm", GitFixture.exampleRepo.path, "--from", "2026-11-23T00:00:00Z",
            "--count", "1",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "2026-11-27T15:00:00+01:00  Fri  2026-11-27T14:00:00Z\n")
        #expect(r.stderr.contains("Routine/friday-brainstorm is disabled"))
    }

    @Test func usageErrorsSayWhatToFix() throws {
        let charter = CharterBinary()
        let cases: [([String], String)] = [
            (
                ["schedule", "next", "--cron", "61 * * * *"],
                "invalid schedule `61 * * * *`: minute: 61 is out of range"
            ),
            (["schedule", "next", "--cron", "@daily", "--tz", "Europe/Berln"], "did you mean `Europe/Berlin`?"),
            (
                ["schedule", "next", "platform-standpu", GitFixture.exampleRepo.path],
                "no Routine `platform-standpu`"
            ),
            (
                ["schedule", "next", "platform-standpu", GitFixture.exampleRepo.path],
                "did you mean `platform-standup`?"
            ),
            (["schedule", "next"], "name a ROUTINE, or give --cron EXPR"),
            (["schedule", "next", "r", "--cron", "@daily"], "not both"),
            (["schedule", "next", "r", "--tz", "UTC"], "--tz applies to --cron"),
            (["schedule", "next", "--cron", "@daily", "--count", "0"], "--count must be between 1 and 1000"),
            (
                ["schedule", "next", "--cron", "@daily", "--from", "2026-03-29T01:00:00"],
                "RFC 3339 time with an offset"
            ),
        ]
        for (arguments, message) in cases {
            let r = try charter.run(arguments)
            #expect(r.status == 64, "\(arguments)")
            #expect(r.stdout.isEmpty, "\(arguments)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
    }
}
