/// A validated cron schedule with Vixie/Debian cron semantics.
///
/// Five whitespace-separated fields (minute, hour, day of month, month, day of week) or one of
/// the macros `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`, `@annually`.
/// Day of month and day of week combine as in Vixie cron: when both are restricted a day
/// matches if *either* does; when either field's text starts with `*` (so `*/2` too) both
/// must match. Expressions that can never fire (`0 0 30 2 *`) are refused.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    /// Bit n set when minute n (0-59) is allowed.
    public let minutes: UInt64
    /// Bit n set when hour n (0-23) is allowed.
    public let hours: UInt32
    /// Bit n set when day n (1-31) of the month is allowed; bit 0 is unused.
    public let daysOfMonth: UInt32
    /// Bit n set when month n (1-12) is allowed; bit 0 is unused.
    public let months: UInt16
    /// Bit n set when weekday n (0 = Sunday ... 6 = Saturday) is allowed; 7 is folded onto 0.
    public let daysOfWeek: UInt8
    /// The minute field's text starts with `*`: Vixie cron treats such jobs as wildcards across DST changes.
    public let minuteStar: Bool
    /// The hour field's text starts with `*`.
    public let hourStar: Bool
    /// The day-of-month field's text starts with `*`.
    public let dayOfMonthStar: Bool
    /// The day-of-week field's text starts with `*`.
    public let dayOfWeekStar: Bool

    static let fieldList = "minute hour day-of-month month day-of-week"

    /// The macros and what they stand for, as in vixie/cron `entry.c`.
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses and validates an expression.
    public init(_ expression: String) throws(CronError) {
        source = expression
        let characters = Array(expression)
        var fields = Self.split(characters)
        if let first = fields.first, first.text.first == "@" {
            let macro = String(first.text)
            if macro == "@reboot" {
                throw CronError(
                    message: "@reboot is not supported: Charter schedules need times; "
                        + "write five fields or a macro such as @daily",
                    offset: first.offset
                )
            }
            guard let expansion = Self.macros[macro] else {
                throw CronError(
                    message: "unknown macro '\(macro)' "
                        + "(use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)",
                    offset: first.offset
                )
            }
            guard fields.count == 1 else {
                throw CronError(message: "unexpected text after \(macro)", offset: fields[1].offset)
            }
            // Offsets of the expansion would point at text the user never wrote; it cannot fail anyway.
            fields = Self.split(Array(expansion)).map { (text: $0.text, offset: first.offset) }
        }
        guard fields.count == 5 else {
            throw CronError(
                message: "expected 5 fields (\(Self.fieldList)), found \(fields.count)",
                offset: fields.count > 5 ? fields[5].offset : nil
            )
        }
        let minute = try CronField.minute.parse(fields[0].text, offset: fields[0].offset)
        let hour = try CronField.hour.parse(fields[1].text, offset: fields[1].offset)
        let dayOfMonth = try CronField.dayOfMonth.parse(fields[2].text, offset: fields[2].offset)
        let month = try CronField.month.parse(fields[3].text, offset: fields[3].offset)
        let dayOfWeek = try CronField.dayOfWeek.parse(fields[4].text, offset: fields[4].offset)

        minutes = minute.bits
        hours = UInt32(truncatingIfNeeded: hour.bits)
        daysOfMonth = UInt32(truncatingIfNeeded: dayOfMonth.bits)
        months = UInt16(truncatingIfNeeded: month.bits)
        daysOfWeek = UInt8(truncatingIfNeeded: (dayOfWeek.bits | dayOfWeek.bits >> 7) & 0x7F)
        minuteStar = minute.star
        hourStar = hour.star
        dayOfMonthStar = dayOfMonth.star
        dayOfWeekStar = dayOfWeek.star

        if dayOfMonthStar || dayOfWeekStar, let reason = CronCalendar.impossibleDays(daysOfMonth, in: months) {
            throw CronError(message: "never fires: \(reason)", field: "day-of-month", offset: fields[2].offset)
        }
    }

    /// Whether the schedule fires at a local wall-clock time.
    ///
    /// `weekday` is 0 (Sunday) to 6 (Saturday); 7 is accepted as Sunday. Out-of-range values never match.
    public func matches(minute: Int, hour: Int, day: Int, month: Int, weekday: Int) -> Bool {
        guard (0...59).contains(minute), (0...23).contains(hour), (1...31).contains(day), (1...12).contains(month),
            (0...7).contains(weekday)
        else { return false }
        guard minutes & (1 << UInt64(minute)) != 0, hours & (1 << UInt32(hour)) != 0,
            months & (1 << UInt16(month)) != 0
        else { return false }
        let dayOfMonthMatches = daysOfMonth & (1 << UInt32(day)) != 0
        let dayOfWeekMatches = daysOfWeek & (1 << UInt8(weekday % 7)) != 0
        // Vixie cron: a star in either day field means both must match; otherwise either may.
        if dayOfMonthStar || dayOfWeekStar { return dayOfMonthMatches && dayOfWeekMatches }
        return dayOfMonthMatches || dayOfWeekMatches
    }

    /// The expression as written.
    public var description: String { source }

    /// Whitespace-separated fields with the offset of each.
    private static func split(_ characters: [Character]) -> [(text: [Character], offset: Int)] {
        var fields: [(text: [Character], offset: Int)] = []
        var start: Int?
        for index in 0...characters.count {
            let isSpace = index == characters.count || characters[index].isWhitespace
            if isSpace, let begin = start {
                fields.append((Array(characters[begin..<index]), begin))
                start = nil
            } else if !isSpace, start == nil {
                start = index
            }
        }
        return fields
    }
}
