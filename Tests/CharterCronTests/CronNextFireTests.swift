import CharterCron
import Foundation
import Testing

@Suite("CronExpression.nextFire")
struct CronNextFireTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    /// An instant from an ISO 8601 UTC text such as "2024-03-10T07:00:00Z".
    func instant(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    func next(_ expression: String, after: String, in zone: TimeZone = utc) throws -> Date? {
        try CronExpression(expression).nextFire(after: instant(after), in: zone)
    }

    /// Successive fire times, as UTC texts.
    func sequence(_ expression: String, after: String, in zone: TimeZone, count: Int) throws -> [String] {
        let cron = try CronExpression(expression)
        var current = instant(after)
        var result: [String] = []
        for _ in 0..<count {
            guard let fire = cron.nextFire(after: current, in: zone) else { break }
            result.append(fire.formatted(.iso8601))
            current = fire
        }
        return result
    }

    @Test func strictlyAfter() throws {
        #expect(try next("* * * * *", after: "2024-01-01T00:00:00Z") == instant("2024-01-01T00:01:00Z"))
        #expect(try next("* * * * *", after: "2024-01-01T00:00:30Z") == instant("2024-01-01T00:01:00Z"))
        #expect(try next("0 0 * * *", after: "2023-12-31T23:59:59Z") == instant("2024-01-01T00:00:00Z"))
    }

    @Test func fieldsAdvanceArithmetically() throws {
        #expect(try next("30 9 * * MON-FRI", after: "2024-06-07T10:00:00Z") == instant("2024-06-10T09:30:00Z"))
        #expect(try next("0 0 1 */3 *", after: "2024-02-15T00:00:00Z") == instant("2024-04-01T00:00:00Z"))
        #expect(try next("@yearly", after: "2024-06-01T00:00:00Z") == instant("2025-01-01T00:00:00Z"))
        #expect(try next("0 0 31 * *", after: "2024-04-01T00:00:00Z") == instant("2024-05-31T00:00:00Z"))
    }

    @Test func leapDays() throws {
        #expect(try next("0 0 29 2 *", after: "2025-01-01T00:00:00Z") == instant("2028-02-29T00:00:00Z"))
        // Across a century that is not a leap year.
        #expect(try next("0 0 29 2 *", after: "2096-03-01T00:00:00Z") == instant("2104-02-29T00:00:00Z"))
        // */7 is Sunday only and starts with '*', so both fields must hold: 29 February on a Sunday.
        #expect(try next("0 0 29 2 */7", after: "2024-03-01T00:00:00Z") == instant("2032-02-29T00:00:00Z"))
    }

    @Test func dayFieldsCombineAsInVixie() throws {
        // Both restricted: the 13th or any Friday, whichever comes first.
        #expect(try next("0 0 13 * 5", after: "2024-09-01T00:00:00Z") == instant("2024-09-06T00:00:00Z"))
        // Day of week starts with '*' (*/5 is Sunday and Friday): both must hold, a Friday the 13th.
        #expect(try next("0 0 13 * */5", after: "2024-09-01T00:00:00Z") == instant("2024-09-13T00:00:00Z"))
        #expect(try next("0 0 13 * 0,5", after: "2024-09-01T00:00:00Z") == instant("2024-09-06T00:00:00Z"))
    }

    @Test func fixedTimeJobInTheSkippedHourFiresAtTheGapEnd() throws {
        // 2024-03-10, New York: 02:00 EST jumps to 03:00 EDT (07:00Z).
        let fires = try sequence("30 2 * * *", after: "2024-03-10T05:00:00Z", in: Self.newYork, count: 2)
        #expect(fires == ["2024-03-10T07:00:00Z", "2024-03-11T06:30:00Z"])
    }

    @Test func fixedTimeJobInTheRepeatedHourFiresOnce() throws {
        // 2024-11-03, New York: 02:00 EDT falls back to 01:00 EST; 01:30 happens at 05:30Z and 06:30Z.
        let fires = try sequence("30 1 * * *", after: "2024-11-03T04:00:00Z", in: Self.newYork, count: 2)
        #expect(fires == ["2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"])
        // Starting inside the second occurrence does not fire it again.
        #expect(
            try next("45 1 * * *", after: "2024-11-03T06:10:00Z", in: Self.newYork)
                == instant("2024-11-04T06:45:00Z")
        )
    }

    @Test func wildcardJobSkipsTheGap() throws {
        let fires = try sequence("*/30 * * * *", after: "2024-03-10T06:15:00Z", in: Self.newYork, count: 3)
        // 01:30 EST, then 03:00 EDT: 02:00 and 02:30 do not exist.
        #expect(fires == ["2024-03-10T06:30:00Z", "2024-03-10T07:00:00Z", "2024-03-10T07:30:00Z"])
    }

    @Test func wildcardJobFiresInBothOccurrences() throws {
        let fires = try sequence("*/30 * * * *", after: "2024-11-03T05:15:00Z", in: Self.newYork, count: 4)
        #expect(
            fires == ["2024-11-03T05:30:00Z", "2024-11-03T06:00:00Z", "2024-11-03T06:30:00Z", "2024-11-03T07:00:00Z"]
        )
        let hourly = try sequence("@hourly", after: "2024-11-03T04:30:00Z", in: Self.newYork, count: 3)
        #expect(hourly == ["2024-11-03T05:00:00Z", "2024-11-03T06:00:00Z", "2024-11-03T07:00:00Z"])
    }

    @Test func starMinuteWithFixedHourIsAWildcard() throws {
        // "* 2" has no 02:xx on the spring-forward day, so it waits for the next day.
        #expect(
            try next("* 2 * * *", after: "2024-03-10T06:00:00Z", in: Self.newYork)
                == instant("2024-03-11T06:00:00Z")
        )
    }

    @Test func otherZones() throws {
        let kolkata = TimeZone(identifier: "Asia/Kolkata")!
        #expect(try next("0 9 * * *", after: "2024-01-01T00:00:00Z", in: kolkata) == instant("2024-01-01T03:30:00Z"))
        // Lord Howe Island shifts by 30 minutes: 02:00 (+10:30, 15:30Z) becomes 02:30 on 2024-10-06.
        let lordHowe = TimeZone(identifier: "Australia/Lord_Howe")!
        #expect(
            try next("10 2 * * *", after: "2024-10-05T14:00:00Z", in: lordHowe) == instant("2024-10-05T15:30:00Z")
        )
    }

    @Test func noFireBeyondYear9999() throws {
        #expect(try next("@daily", after: "9999-12-31T00:00:00Z") == nil)
        #expect(try CronExpression("@daily").nextFire(after: Date(timeIntervalSince1970: 1e15), in: Self.utc) == nil)
        #expect(try next("0 0 1 1 *", after: "9999-06-01T00:00:00Z") == nil)
    }
}
