import CharterFoundation
public import Foundation

extension CronExpression {
    /// The first time strictly after `after` at which the schedule fires in `timeZone`, or nil
    /// when there is none before the year 10000.
    ///
    /// Daylight-saving changes follow Debian cron (and cronsim). A *fixed-time* job (neither the
    /// minute nor the hour field starts with `*`) whose wall time falls in a skipped interval fires
    /// once at the end of the gap, and in a repeated interval fires only at the first occurrence.
    /// A *wildcard* job fires at every real instant whose wall time matches: not at all in a
    /// skipped interval, and in both occurrences of a repeated one.
    ///
    /// The search jumps from field value to field value (month, day, hour, minute), so it costs
    /// a few hundred steps at most, even for `0 0 29 2 1` (29 February on a Monday).
    public func nextFire(after: Date, in timeZone: TimeZone) -> Date? {
        let interval = after.timeIntervalSince1970.rounded(.down)
        // Years 1 through 9999, well inside Int and Double precision.
        guard interval > -62_135_596_800, interval < 253_402_214_400 else { return nil }
        let zone = ZoneOffsets(timeZone)
        let start = Int(interval)
        let fire =
            minuteStar || hourStar
            ? nextWildcardFire(after: start, zone: zone) : nextFixedFire(after: start, zone: zone)
        return fire.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Fixed-time jobs: the next matching wall time after `after`'s wall time, mapped to one instant.
    ///
    /// The mapping (first occurrence in a fold, gap end in a gap) never goes backwards as wall
    /// time advances, so the first candidate whose instant is after `after` is the answer.
    private func nextFixedFire(after: Int, zone: ZoneOffsets) -> Int? {
        var wall = (after + zone.offset(at: after)).floorDivided(by: 60) * 60 + 60
        while let candidate = nextWallMatch(from: wall) {
            let instants = zone.instants(forWall: candidate)
            let instant = instants.first ?? zone.gapEnd(forWall: candidate)
            if instant > after { return instant }
            // Only the repeated hour gets here: this wall time already fired in its first occurrence.
            wall = candidate + 60
        }
        return nil
    }

    /// Wildcard jobs: the earliest real instant after `after` whose wall time matches.
    ///
    /// Near a fold, a later wall time can be an earlier instant, so the scan continues until no
    /// later wall time could beat the best instant found.
    private func nextWildcardFire(after: Int, zone: ZoneOffsets) -> Int? {
        let lowest = zone.offsetRange(around: after).lowerBound
        var wall = (after + lowest).floorDivided(by: 60) * 60 + 60
        var best: Int?
        var highest = Int.max
        while let candidate = nextWallMatch(from: wall) {
            if let best, candidate - highest >= best { break }
            for instant in zone.instants(forWall: candidate) where instant > after && instant < (best ?? .max) {
                best = instant
                highest = zone.offsetRange(around: instant).upperBound
            }
            wall = candidate + 60
        }
        return best
    }

    /// The first wall time at or after `from` (seconds, a whole minute) that the fields match.
    private func nextWallMatch(from seconds: Int) -> Int? {
        let start = WallTime(seconds: seconds)
        var (year, month) = (start.year, start.month)
        var time: (day: Int, hour: Int, minute: Int)? = (start.day, start.hour, start.minute)
        // 400 years is a whole Gregorian cycle: every existing date occurs on every weekday in it.
        for _ in 0...(400 * 12) {
            if year > 9_999 { return nil }
            if months & (1 << UInt16(month)) != 0 {
                let from = time ?? (1, 0, 0)
                let lastDay = CivilCalendar.daysIn(year: year, month: month)
                var weekday = WallTime(year: year, month: month, day: from.day, hour: 0, minute: 0).weekday
                for day in stride(from: from.day, through: lastDay, by: 1) {
                    defer { weekday = (weekday + 1) % 7 }
                    guard matchesDay(day, weekday: weekday) else { continue }
                    let sameDay = day == from.day
                    guard
                        let (hour, minute) = nextTime(hour: sameDay ? from.hour : 0, minute: sameDay ? from.minute : 0)
                    else { continue }
                    return WallTime(year: year, month: month, day: day, hour: hour, minute: minute).seconds
                }
            }
            time = nil
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        return nil
    }

    private func matchesDay(_ day: Int, weekday: Int) -> Bool {
        let dayOfMonthMatches = daysOfMonth & (1 << UInt32(day)) != 0
        let dayOfWeekMatches = daysOfWeek & (1 << UInt8(weekday)) != 0
        if dayOfMonthStar || dayOfWeekStar { return dayOfMonthMatches && dayOfWeekMatches }
        return dayOfMonthMatches || dayOfWeekMatches
    }

    /// The first allowed (hour, minute) at or after the given one on the same day.
    private func nextTime(hour: Int, minute: Int) -> (Int, Int)? {
        guard let firstHour = Self.nextBit(UInt64(hours), from: hour) else { return nil }
        if firstHour == hour, let sameHourMinute = Self.nextBit(minutes, from: minute) {
            return (hour, sameHourMinute)
        }
        guard let laterHour = Self.nextBit(UInt64(hours), from: firstHour == hour ? hour + 1 : firstHour),
            let firstMinute = Self.nextBit(minutes, from: 0)
        else { return nil }
        return (laterHour, firstMinute)
    }

    private static func nextBit(_ mask: UInt64, from index: Int) -> Int? {
        guard index < 64 else { return nil }
        let remaining = mask >> UInt64(index)
        return remaining == 0 ? nil : index + remaining.trailingZeroBitCount
    }
}

/// UTC offsets of a time zone, and the instants a wall time stands for.
private struct ZoneOffsets {
    let zone: TimeZone

    init(_ zone: TimeZone) { self.zone = zone }

    func offset(at instant: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    /// The offsets in force within a day either side: enough to cover any one transition.
    func offsetRange(around instant: Int) -> ClosedRange<Int> {
        let offsets = [offset(at: instant - 86_400), offset(at: instant), offset(at: instant + 86_400)]
        return offsets.min()!...offsets.max()!
    }

    /// The instants showing this wall time: one normally, two in a repeated interval
    /// (earliest first), none in a skipped one.
    func instants(forWall wall: Int) -> [Int] {
        let before = offset(at: wall - 86_400)
        let after = offset(at: wall + 86_400)
        var candidates = [before, after, offset(at: wall - before), offset(at: wall - after)]
        candidates = candidates.filter { offset(at: wall - $0) == $0 }
        return Set(candidates.map { wall - $0 }).sorted()
    }

    /// The first instant after a skipped interval containing `wall`: the transition itself.
    func gapEnd(forWall wall: Int) -> Int {
        let before = offset(at: wall - 86_400)
        let after = offset(at: wall + 86_400)
        // In a gap the clock jumps forward: wall - after < transition <= wall - before.
        var low = wall - max(before, after)
        var high = wall - min(before, after)
        let target = offset(at: high)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == target { high = middle } else { low = middle }
        }
        return high
    }
}
