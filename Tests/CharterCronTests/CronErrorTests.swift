import CharterCron
import Testing

@Suite("CronExpression refusals")
struct CronErrorTests {
    func failure(_ expression: String) -> CronError? {
        do {
            _ = try CronExpression(expression)
            Issue.record("'\(expression)' was accepted")
            return nil
        } catch {
            return error
        }
    }

    @Test func wrongFieldCount() {
        let six = failure("0 0 * * * *")
        #expect(six?.message == "expected 5 fields (minute hour day-of-month month day-of-week), found 6")
        #expect(six?.offset == 10)
        #expect(six?.field == nil)
        #expect(failure("0 0 * *")?.message.hasSuffix("found 4") == true)
        #expect(failure("")?.message.hasSuffix("found 0") == true)
        #expect(failure("   ")?.message.hasSuffix("found 0") == true)
    }

    @Test(arguments: [
        ("60 * * * *", "minute: 60 is out of range (0-59)", "minute", 0),
        ("* 24 * * *", "hour: 24 is out of range (0-23)", "hour", 2),
        ("* * 0 * *", "day-of-month: 0 is out of range (1-31)", "day-of-month", 4),
        ("* * 32 * *", "day-of-month: 32 is out of range (1-31)", "day-of-month", 4),
        ("* * * 13 *", "month: 13 is out of range (1-12 or JAN-DEC)", "month", 6),
        ("* * * * 8", "day-of-week: 8 is out of range (0-7, where 0 and 7 are Sunday, or SUN-SAT)", "day-of-week", 8),
        ("0,99999 * * * *", "minute: 99999 is out of range (0-59)", "minute", 2),
    ])
    func outOfRange(expression: String, message: String, field: String, offset: Int) {
        let error = failure(expression)
        #expect(error?.message == message)
        #expect(error?.field == field)
        #expect(error?.offset == offset)
    }

    @Test func zeroStep() {
        for expression in ["*/0 * * * *", "5/0 * * * *", "1-5/0 * * * *"] {
            let error = failure(expression)
            #expect(error?.field == "minute")
            #expect(error?.message.contains("step 0") == true)
        }
        #expect(failure("* */0 * * *")?.offset == 4)
    }

    @Test func stepLargerThanTheRange() {
        let error = failure("*/60 * * * *")
        #expect(error?.message == "minute: step 60 in '*/60' is larger than the range 0-59, so only 0 would match")
        #expect(error?.offset == 2)
        #expect(failure("0 0 10-12/5 * *")?.field == "day-of-month")
        #expect(failure("59/15 * * * *")?.field == "minute")
        #expect(failure("0 0 * * SAT/2")?.field == "day-of-week")
        #expect(failure("*/1000000000000 * * * *")?.message.contains("too large") == true)
        // The largest useful steps are fine.
        #expect((try? CronExpression("*/59 */23 */30 */11 */7")) != nil)
        #expect((try? CronExpression("5-5/1 * * * *")) != nil)
    }

    @Test func reversedRange() {
        let error = failure("0 22-2 * * *")
        #expect(error?.field == "hour")
        #expect(error?.offset == 2)
        #expect(error?.message.hasPrefix("hour: range 22-2 runs backwards") == true)
        #expect(failure("5-1 * * * *")?.field == "minute")
        #expect(failure("0 0 * * FRI-MON")?.field == "day-of-week")
    }

    @Test func emptyListItems() {
        let middle = failure("1,,2 * * * *")
        #expect(middle?.message == "minute: empty item in the list '1,,2'")
        #expect(middle?.offset == 2)
        #expect(failure("* * * * 1,")?.offset == 10)
        #expect(failure(",1 * * * *")?.offset == 0)
    }

    @Test func namesAndCharacters() {
        let unknown = failure("0 0 * * FUN")
        #expect(unknown?.message == "day-of-week: unknown name 'FUN' (use SUN-SAT)")
        #expect(unknown?.offset == 8)
        #expect(failure("0 0 * JANUARY *")?.message == "month: unknown name 'JANUARY' (use JAN-DEC)")
        #expect(failure("0 0 * MON *")?.field == "month")
        #expect(failure("0 0 * * JAN")?.field == "day-of-week")
        #expect(
            failure("0 MON * * *")?.message
                == "hour: 'MON' is not a number; names are only allowed in month and day-of-week"
        )
        #expect(failure("0 0 ? * *")?.message == "day-of-month: unexpected character '?' in '?'")
        #expect(failure("0 0 L * *")?.field == "day-of-month")
        #expect(failure("0 0 * * 5#2")?.field == "day-of-week")
        #expect(failure("0 0 * * -1")?.message == "day-of-week: incomplete range in '-1'")
        #expect(failure("0 0 * * 1-")?.field == "day-of-week")
        #expect(failure("*5 * * * *")?.message.contains("'*' cannot be combined") == true)
        #expect(failure("1/2/3 * * * *")?.message == "minute: '1/2/3' has more than one '/'")
        #expect(failure("*/x * * * *")?.message == "minute: step in '*/x' must be a number")
        #expect(failure("٣ * * * *")?.field == "minute")
    }

    @Test func macrosThatAreRefused() {
        let reboot = failure("@reboot")
        #expect(reboot?.message.hasPrefix("@reboot is not supported: Charter schedules need times") == true)
        #expect(failure("@fortnightly")?.message.hasPrefix("unknown macro '@fortnightly'") == true)
        #expect(failure("@daily 0")?.message == "unexpected text after @daily")
        #expect(failure("@DAILY")?.message.hasPrefix("unknown macro") == true)
    }

    @Test func neverFires() {
        let february = failure("0 0 30 2 *")
        #expect(february?.message == "never fires: February has at most 29 days")
        #expect(february?.field == "day-of-month")
        #expect(february?.offset == 4)
        #expect(failure("0 0 31 4,6 *")?.message == "never fires: April and June have at most 30 days")
        #expect(
            failure("0 0 31 FEB,APR,SEP *")?.message
                == "never fires: February has at most 29 days; April and September have at most 30 days"
        )
        // A star-step day of week still means AND, so the dates are still impossible.
        #expect(failure("0 0 31 11 */2")?.message == "never fires: November has at most 30 days")
    }

    @Test func possibleDaysAreAccepted() throws {
        _ = try CronExpression("0 0 29 2 *")
        _ = try CronExpression("0 0 31 1-2 *")
        _ = try CronExpression("0 0 30,31 4 *")
        // Both day fields restricted: ORed, so it fires on Mondays in February.
        _ = try CronExpression("0 0 30 2 MON")
    }
}
