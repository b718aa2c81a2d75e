import CharterFoundation
import Foundation
import Testing

/// The codec's forms, pinned to the byte: event hashes chain over the millisecond form, signed vote
/// documents hold the second form, run ids the basic form.
@Suite struct TimestampTests {
    /// 2026-03-29T01:00:00Z.
    static let springForward = Date(timeIntervalSince1970: 1_774_746_000)
    /// 2026-11-21T06:05:00Z.
    static let november = Date(timeIntervalSince1970: 1_795_241_100)

    @Test func writesEachFormExactly() {
        let t = Self.november.addingTimeInterval(0.1239)
        #expect(Timestamp.utc(t) == "2026-11-21T06:05:00Z")
        #expect(Timestamp.utcMilliseconds(t) == "2026-11-21T06:05:00.123Z")
        #expect(Timestamp.utcMilliseconds(t, rounding: .toNearestOrAwayFromZero) == "2026-11-21T06:05:00.124Z")
        #expect(Timestamp.utcBasic(t, omittingZeroSeconds: false) == "20261121T060500Z")
        #expect(Timestamp.utcBasic(t, omittingZeroSeconds: true) == "20261121T0605Z")
        #expect(Timestamp.utcBasic(t.addingTimeInterval(7), omittingZeroSeconds: true) == "20261121T060507Z")
        #expect(Timestamp.utc(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.utc(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(Timestamp.utc(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(Timestamp.utc(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
        #expect(Timestamp.utcMilliseconds(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500Z")
    }

    @Test func theMillisecondFormIsClampedToYearsOneToNineThousandNineHundredNinetyNine() {
        #expect(Timestamp.utcMilliseconds(.distantFuture) == "4001-01-01T00:00:00.000Z")
        #expect(Timestamp.utcMilliseconds(Date(timeIntervalSince1970: 1e15)) == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.utcMilliseconds(Date(timeIntervalSince1970: -1e15)) == "0001-01-01T00:00:00.000Z")
    }

    @Test func theStrictFormsReadBackWhatWasWritten() throws {
        // Every millisecond of a second, as stored: `Date`'s binary fraction must not lose one.
        for ms in 0..<1_000 {
            let text = Timestamp.utcMilliseconds(Self.november.addingTimeInterval(Double(ms) / 1_000 + 0.0004))
            let date = try #require(Timestamp.parseUTCMilliseconds(text))
            #expect(Timestamp.utcMilliseconds(date) == text)
            let rounded = Date(
                timeIntervalSince1970: (Self.november.timeIntervalSince1970 * 1_000 + Double(ms)) / 1_000)
            let nearest = Timestamp.utcMilliseconds(rounded, rounding: .toNearestOrAwayFromZero)
            #expect(Timestamp.parseUTCMilliseconds(nearest, rounding: .toNearestOrAwayFromZero) == rounded)
        }
        #expect(Timestamp.parseUTC("2025-03-01T12:00:00Z") == Date(timeIntervalSince1970: 1_740_830_400))
        #expect(Timestamp.parseUTC("2026-11-21T06:05:00.000Z") == nil)
        #expect(Timestamp.parseUTCMilliseconds("2026-11-21T06:05:00Z") == nil)
    }

    @Test(arguments: [
        "2026-02-30T00:00:00Z", "2026-02-30T00:00:00.000Z", "2026-02-29T00:00:00Z", "2026-11-21T06:05:60Z",
        "2026-11-21T24:00:00Z", "2026-13-01T00:00:00Z", "2026-11-21 06:05:00Z", "2026-11-21t06:05:00Z",
        "2026-11-21T06:05:00+00:00", "2026-11-21T06:05:00.12Z", "2026-11-21T06:05:00.1234Z", "0000-01-01T00:00:00.000Z",
        "",
    ])
    func theStrictFormsRefuseAnythingElse(text: String) {
        #expect(Timestamp.parseUTC(text) == nil)
        #expect(Timestamp.parseUTCMilliseconds(text) == nil)
    }

    @Test(arguments: [
        ("2026-03-29T01:00:00Z", 0.0), ("2026-03-29T03:00:00+02:00", 0), ("2026-03-29t03:00:00+02:00", 0),
        ("2026-03-29 01:00:00z", 0), ("2026-03-28T20:00-05:00", 0), ("2026-03-29T01:00:00.5Z", 0.5),
        ("2026-03-28T01:00:00Z", -86_400), ("2024-02-29T00:00:00Z", -65_581_200),
    ])
    func parsesRFC3339WithAnOffset(text: String, secondsAfterSpringForward: Double) {
        #expect(Timestamp.parse(text) == Self.springForward.addingTimeInterval(secondsAfterSpringForward))
    }

    @Test(arguments: [
        "2026-03-29T01:00:00", "2026-03-29", "2026-02-29T00:00:00Z", "2026-03-29T24:00:00Z", "2026-03-29T01:60:00Z",
        "2026-03-29T01:00:60Z", "2026-13-01T00:00:00Z", "2026-03-29T01:00:00+0200", "2026-03-29T01:00:00.Z",
        "2026-03-29T01:00:00Z ", "now", "",
    ])
    func refusesAnythingElse(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func printsLocalWallTimesAndWeekdays() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        #expect(Timestamp.local(Self.springForward, in: berlin) == "2026-03-29T03:00:00+02:00")
        #expect(Timestamp.local(Self.springForward.addingTimeInterval(-60), in: berlin) == "2026-03-29T01:59:00+01:00")
        let afternoon = Date(timeIntervalSince1970: 1_795_442_400)  // 2026-11-23T14:00:00Z
        #expect(Timestamp.local(afternoon, in: newYork) == "2026-11-23T09:00:00-05:00")
        #expect(Timestamp.weekday(afternoon.addingTimeInterval(-36_000), in: newYork) == "Sun")
        #expect(Timestamp.weekday(afternoon.addingTimeInterval(-36_000), in: berlin) == "Mon")
    }

    /// The log line, `status.yaml` and the lock note were written by `ISO8601DateFormatter`: the
    /// codec writes the same for any time the controller can stamp (after the Gregorian reform, and
    /// away from the last half-millisecond of a second, which that formatter rounded up).
    @Test func writesWhatFoundationsFormatterWroteForTheSecondForm() {
        let formatter = ISO8601DateFormatter()
        var generator = SeededGenerator(seed: 20_261_205)
        for _ in 0..<2_000 {
            let seconds = Double(Int.random(in: -12_219_292_800...253_402_300_799, using: &generator))
            let date = Date(timeIntervalSince1970: seconds + Double.random(in: 0..<0.999, using: &generator))
            #expect(Timestamp.utc(date) == formatter.string(from: date))
        }
    }
}
