/// Calendar facts cron validation needs, without Foundation.
enum CronCalendar {
    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// The most days a month can have; February counts 29 because leap years exist.
    static func maxDays(inMonth month: Int) -> Int {
        switch month {
        case 2: 29
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Why no allowed day of month exists in any allowed month, or nil when some pair exists.
    ///
    /// Only meaningful when the day fields are ANDed: any (month, day) pair that exists falls
    /// on every weekday over the years (29 February included), so the weekday set cannot make
    /// an existing date impossible.
    static func impossibleDays(_ days: UInt32, in months: UInt16) -> String? {
        let allowedMonths = (1...12).filter { months & (1 << UInt16($0)) != 0 }
        guard let firstDay = (1...31).first(where: { days & (1 << UInt32($0)) != 0 }) else { return nil }
        guard allowedMonths.allSatisfy({ maxDays(inMonth: $0) < firstDay }) else { return nil }
        // Group months by length for "April and June have at most 30 days".
        var clauses: [String] = []
        for length in [29, 30] {
            let names = allowedMonths.filter { maxDays(inMonth: $0) == length }.map { monthNames[$0 - 1] }
            guard !names.isEmpty else { continue }
            let subject =
                names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
            clauses.append("\(subject) \(names.count == 1 ? "has" : "have") at most \(length) days")
        }
        return clauses.joined(separator: "; ")
    }
}

/// A proleptic Gregorian date and time with no time zone: what a wall clock shows.
///
/// Cron fields are wall-clock fields, so the search for the next match runs on these and
/// only the result is mapped to an instant. Seconds are counted from 1970-01-01 00:00 wall time.
struct WallTime {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    /// The wall time of a second count, seconds dropped.
    init(seconds: Int) {
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        (year, month, day) = WallTime.civil(fromDays: days)
        hour = secondOfDay / 3_600
        minute = secondOfDay % 3_600 / 60
    }

    var seconds: Int {
        WallTime.days(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60
    }

    /// 0 = Sunday; 1970-01-01 was a Thursday.
    var weekday: Int { (WallTime.days(year: year, month: month, day: day) + 4).floorModulo(7) }

    static func daysIn(year: Int, month: Int) -> Int {
        guard month == 2 else { return CronCalendar.maxDays(inMonth: month) }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return leap ? 29 : 28
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `days(year:month:day:)` (Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int {
    func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    func floorModulo(_ divisor: Int) -> Int { self - floorDivided(by: divisor) * divisor }
}
