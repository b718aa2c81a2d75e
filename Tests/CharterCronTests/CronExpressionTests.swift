import CharterCron
import Testing

/// Bits for a list of values, to state expected fields readably.
func bits(_ values: [Int]) -> UInt64 { values.reduce(0) { $0 | 1 << UInt64($1) } }
func bits(_ values: ClosedRange<Int>) -> UInt64 { bits(Array(values)) }
func bits(_ values: StrideThrough<Int>) -> UInt64 { bits(Array(values)) }

@Suite("CronExpression parsing")
struct CronExpressionTests {
    @Test func everyMinute() throws {
        let cron = try CronExpression("* * * * *")
        #expect(cron.minutes == bits(0...59))
        #expect(cron.hours == UInt32(bits(0...23)))
        #expect(cron.daysOfMonth == UInt32(bits(1...31)))
        #expect(cron.months == UInt16(bits(1...12)))
        #expect(cron.daysOfWeek == 0x7F)
        #expect(cron.minuteStar && cron.hourStar && cron.dayOfMonthStar && cron.dayOfWeekStar)
        #expect(cron.description == "* * * * *")
        #expect(cron.source == "* * * * *")
    }

    @Test func listsRangesAndSteps() throws {
        let cron = try CronExpression("0,15,30-35 */6 1-31/10 1-12/3 1-5")
        #expect(cron.minutes == bits([0, 15, 30, 31, 32, 33, 34, 35]))
        #expect(cron.hours == UInt32(bits([0, 6, 12, 18])))
        #expect(cron.daysOfMonth == UInt32(bits([1, 11, 21, 31])))
        #expect(cron.months == UInt16(bits([1, 4, 7, 10])))
        #expect(cron.daysOfWeek == UInt8(bits(1...5)))
        #expect(!cron.minuteStar && cron.hourStar && !cron.dayOfMonthStar && !cron.dayOfWeekStar)
    }

    @Test func singleValueWithStepRunsToTheEnd() throws {
        #expect(try CronExpression("3/20 * * * *").minutes == bits([3, 23, 43]))
        // Day of week runs to 7 as in Vixie cron, so 1/2 reaches Sunday.
        #expect(try CronExpression("0 0 * * 1/2").daysOfWeek == UInt8(bits([0, 1, 3, 5])))
        // 5/2 in day-of-week reaches 7, which is Sunday.
        #expect(try CronExpression("0 0 * * 5/2").daysOfWeek == UInt8(bits([0, 5])))
        #expect(try CronExpression("0 0 20/5 * *").daysOfMonth == UInt32(bits([20, 25, 30])))
    }

    @Test func namesAnyCaseAndInRanges() throws {
        let cron = try CronExpression("30 9 * jan,Mar-MAY MON-fri")
        #expect(cron.months == UInt16(bits([1, 3, 4, 5])))
        #expect(cron.daysOfWeek == UInt8(bits(1...5)))
        #expect(try CronExpression("0 0 * DEC SUN").months == UInt16(bits([12])))
        #expect(try CronExpression("0 0 * * SAT,SUN").daysOfWeek == UInt8(bits([0, 6])))
    }

    @Test func sevenIsSunday() throws {
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == 1)
        #expect(try CronExpression("0 0 * * 0").daysOfWeek == 1)
        #expect(try CronExpression("0 0 * * 5-7").daysOfWeek == UInt8(bits([0, 5, 6])))
        #expect(try CronExpression("0 0 * * */2").daysOfWeek == UInt8(bits([0, 2, 4, 6])))
    }

    @Test func whitespaceIsFlexible() throws {
        let cron = try CronExpression("  5\t4  * *   sun ")
        #expect(cron.minutes == bits([5]))
        #expect(cron.hours == UInt32(bits([4])))
    }

    @Test func february29IsValid() throws {
        let cron = try CronExpression("0 0 29 2 *")
        #expect(cron.matches(minute: 0, hour: 0, day: 29, month: 2, weekday: 4))
    }

    @Test(arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"), ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@hourly", "0 * * * *"),
    ])
    func macros(macro: String, expansion: String) throws {
        let cron = try CronExpression(macro)
        let expanded = try CronExpression(expansion)
        #expect(cron.source == macro)
        #expect(cron.minutes == expanded.minutes && cron.hours == expanded.hours)
        #expect(cron.daysOfMonth == expanded.daysOfMonth && cron.months == expanded.months)
        #expect(cron.daysOfWeek == expanded.daysOfWeek)
        #expect(cron.hourStar == expanded.hourStar && cron.minuteStar == expanded.minuteStar)
    }

    @Test func hashableBySourceAndFields() throws {
        #expect(try CronExpression("0 0 * * *") == CronExpression("0 0 * * *"))
        #expect(try CronExpression("0 0 * * *") != CronExpression("@daily"))
        #expect(try Set([CronExpression("@daily"), CronExpression("@daily")]).count == 1)
    }
}

@Suite("CronExpression matching")
struct CronMatchingTests {
    @Test func timeFields() throws {
        let cron = try CronExpression("*/15 9-17 * * *")
        #expect(cron.matches(minute: 45, hour: 17, day: 3, month: 6, weekday: 2))
        #expect(!cron.matches(minute: 46, hour: 17, day: 3, month: 6, weekday: 2))
        #expect(!cron.matches(minute: 0, hour: 18, day: 3, month: 6, weekday: 2))
    }

    @Test func bothDayFieldsRestrictedMeansEither() throws {
        // 1st and 15th of the month, and every Friday.
        let cron = try CronExpression("0 0 1,15 * 5")
        #expect(cron.matches(minute: 0, hour: 0, day: 15, month: 3, weekday: 2))
        #expect(cron.matches(minute: 0, hour: 0, day: 20, month: 3, weekday: 5))
        #expect(!cron.matches(minute: 0, hour: 0, day: 20, month: 3, weekday: 4))
    }

    @Test func starInDayOfWeekMeansBoth() throws {
        let cron = try CronExpression("0 0 13 * *")
        #expect(cron.matches(minute: 0, hour: 0, day: 13, month: 3, weekday: 1))
        #expect(!cron.matches(minute: 0, hour: 0, day: 14, month: 3, weekday: 1))
    }

    @Test func stepAfterStarStillCountsAsStar() throws {
        // Vixie's first-character rule: "*/2" is a star, so the day fields are ANDed.
        let starred = try CronExpression("0 0 */2 * 1")
        #expect(starred.dayOfMonthStar)
        #expect(starred.matches(minute: 0, hour: 0, day: 3, month: 1, weekday: 1))
        #expect(!starred.matches(minute: 0, hour: 0, day: 4, month: 1, weekday: 1))
        #expect(!starred.matches(minute: 0, hour: 0, day: 3, month: 1, weekday: 2))
        // The same days written as a range are restricted, so the fields are ORed.
        let ranged = try CronExpression("0 0 1-31/2 * 1")
        #expect(!ranged.dayOfMonthStar)
        #expect(ranged.daysOfMonth == starred.daysOfMonth)
        #expect(ranged.matches(minute: 0, hour: 0, day: 4, month: 1, weekday: 1))
        #expect(ranged.matches(minute: 0, hour: 0, day: 3, month: 1, weekday: 2))
    }

    @Test func weekdaySevenAndOutOfRangeInputs() throws {
        let cron = try CronExpression("0 0 * * 0")
        #expect(cron.matches(minute: 0, hour: 0, day: 1, month: 1, weekday: 7))
        #expect(cron.matches(minute: 0, hour: 0, day: 1, month: 1, weekday: 0))
        #expect(!cron.matches(minute: 60, hour: 0, day: 1, month: 1, weekday: 0))
        #expect(!cron.matches(minute: 0, hour: 0, day: 0, month: 1, weekday: 0))
        #expect(!cron.matches(minute: 0, hour: 0, day: 1, month: 13, weekday: 0))
        #expect(!cron.matches(minute: 0, hour: 0, day: 1, month: 1, weekday: 8))
    }
}
