import CharterFoundation

/// Calendar facts cron validation needs.
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
        let t = CivilCalendar.dateAndTime(fromSeconds: seconds)
        (year, month, day, hour, minute) = (t.year, t.month, t.day, t.hour, t.minute)
    }

    var seconds: Int {
        CivilCalendar.days(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60
    }

    /// 0 = Sunday; 1970-01-01 was a Thursday.
    var weekday: Int { (CivilCalendar.days(year: year, month: month, day: day) + 4).floorModulo(7) }
}
