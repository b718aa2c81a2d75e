import CharterCron
import Foundation
import Testing

/// Compares `nextFire` with a minute-by-minute scan, which is obviously right but slow.
@Suite("CronExpression.nextFire against a brute-force scan")
struct CronNextFireCrossCheckTests {
    static let expressions = [
        "* * * * *", "*/7 * * * *", "5 * * * *", "0 */5 * * *", "15,45 1-3 * * *", "0 2 * * *", "30 1 * * 0",
        "*/20 0-4 * * SUN", "0 0 * * *", "59 23 * * *", "0 12 1,15 * *", "0 0 13 * 5", "*/10 2 * * *",
        "0 9-17/2 * * MON-FRI", "7 7 */3 * *", "0 0 * * 6,0", "1-59/29 1 * * *", "0 3 * 3,11 *",
    ]

    /// A plain scan: every minute from `after`, in the zone's wall time.
    func scan(_ cron: CronExpression, after: Date, in zone: TimeZone, limit: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var minute = (after.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60
        for _ in 0..<limit {
            let date = Date(timeIntervalSince1970: minute)
            let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
            if cron.matches(
                minute: parts.minute!,
                hour: parts.hour!,
                day: parts.day!,
                month: parts.month!,
                weekday: parts.weekday! - 1
            ) {
                return date
            }
            minute += 60
        }
        return nil
    }

    @Test(arguments: expressions)
    func utcAgreesWithScan(expression: String) throws {
        let cron = try CronExpression(expression)
        let utc = TimeZone(identifier: "UTC")!
        var after = try Date("2024-02-27T22:13:00Z", strategy: .iso8601)
        for _ in 0..<6 {
            let fast = cron.nextFire(after: after, in: utc)
            let slow = scan(cron, after: after, in: utc, limit: 60 * 24 * 40)
            #expect(fast == slow, "after \(after)")
            guard let fast else { break }
            after = fast
        }
    }

    /// Wildcard jobs fire at every real instant whose wall time matches, so a scan over real
    /// minutes is the reference, DST days included.
    @Test(arguments: expressions)
    func wildcardJobsAgreeWithScanAcrossDST(expression: String) throws {
        let cron = try CronExpression(expression)
        guard cron.minuteStar || cron.hourStar else { return }
        let newYork = TimeZone(identifier: "America/New_York")!
        for start in ["2024-03-10T04:00:00Z", "2024-11-03T03:30:00Z"] {
            var after = try Date(start, strategy: .iso8601)
            for _ in 0..<8 {
                let fast = cron.nextFire(after: after, in: newYork)
                let slow = scan(cron, after: after, in: newYork, limit: 60 * 24 * 10)
                #expect(fast == slow, "after \(after)")
                guard let fast else { break }
                after = fast
            }
        }
    }
}
