import CharterFoundation
import Testing

@Suite struct CivilCalendarTests {
    @Test func daysAndDatesAreInversesAcrossEras() {
        for days in stride(from: -800_000, through: 3_000_000, by: 997) {
            let (year, month, day) = CivilCalendar.date(fromDays: days)
            #expect(CivilCalendar.days(year: year, month: month, day: day) == days)
            #expect((1...CivilCalendar.daysIn(year: year, month: month)).contains(day))
        }
        #expect(CivilCalendar.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilCalendar.date(fromDays: -1) == (1969, 12, 31))
        #expect(
            CivilCalendar.days(year: 2000, month: 3, day: 1) - CivilCalendar.days(year: 2000, month: 2, day: 28) == 2)
        #expect(CivilCalendar.daysIn(year: 1900, month: 2) == 28)
        #expect(CivilCalendar.daysIn(year: 2000, month: 2) == 29)
    }

    @Test func secondsNameOnlyRealTimes() {
        #expect(CivilCalendar.seconds(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59) == -1)
        #expect(CivilCalendar.seconds(year: 2026, month: 2, day: 29, hour: 0, minute: 0, second: 0) == nil)
        #expect(CivilCalendar.seconds(year: 2026, month: 1, day: 1, hour: 24, minute: 0, second: 0) == nil)
        #expect(CivilCalendar.seconds(year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 60) == nil)
        let t = CivilCalendar.dateAndTime(fromSeconds: -1)
        #expect([t.year, t.month, t.day, t.hour, t.minute, t.second] == [1969, 12, 31, 23, 59, 59])
    }

    @Test func divisionRoundsTowardNegativeInfinity() {
        #expect((-1).floorDivided(by: 86_400) == -1)
        #expect(86_399.floorDivided(by: 86_400) == 0)
        #expect((-86_400).floorDivided(by: 86_400) == -1)
        #expect((-1).floorModulo(7) == 6)
        #expect(7.floorModulo(7) == 0)
    }
}
