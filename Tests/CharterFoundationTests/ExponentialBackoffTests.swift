import CharterFoundation
import Testing

@Suite struct ExponentialBackoffTests {
    @Test func growsByTheMultiplierUpToTheCap() {
        let waits = (0...6).map { ExponentialBackoff.ceiling(failures: $0, initial: 200, multiplier: 10, cap: 5_000) }
        #expect(waits == [200, 200, 2_000, 5_000, 5_000, 5_000, 5_000])
        #expect(
            (1...4).map { ExponentialBackoff.ceiling(failures: $0, initial: 1, multiplier: 2, cap: 60) } == [
                1, 2, 4, 8,
            ])
    }

    @Test func hugeExponentsAndDurationsGiveTheCapNeverATrap() {
        #expect(ExponentialBackoff.ceiling(failures: .max, initial: 1, multiplier: 2, cap: 60) == 60)
        #expect(
            ExponentialBackoff.ceiling(failures: 5_000, initial: .greatestFiniteMagnitude, multiplier: 10, cap: 7) == 7)
        #expect(ExponentialBackoff.ceiling(failures: 2, initial: .infinity, multiplier: 2, cap: 7) == 7)
        // Zero times an infinite power is NaN, which is the cap too.
        #expect(ExponentialBackoff.ceiling(failures: 5_000, initial: 0, multiplier: 2, cap: 7) == 7)
    }

    @Test func negativeInputsCountAsZero() {
        #expect(ExponentialBackoff.ceiling(failures: 3, initial: -5, multiplier: 2, cap: 60) == 0)
        #expect(ExponentialBackoff.ceiling(failures: 3, initial: 5, multiplier: -2, cap: 60) == 0)
        #expect(ExponentialBackoff.ceiling(failures: 1, initial: 5, multiplier: -2, cap: 60) == 5)
    }

    @Test func fullJitterIsWithinTheCeilingAndReproducible() {
        var a = SeededGenerator(seed: 7)
        var b = SeededGenerator(seed: 7)
        for _ in 0..<1_000 {
            let wait = ExponentialBackoff.fullJitter(30, using: &a)
            #expect((0...30).contains(wait))
            #expect(wait == ExponentialBackoff.fullJitter(30, using: &b))
        }
        #expect(ExponentialBackoff.fullJitter(0, using: &a) == 0)
        #expect(ExponentialBackoff.fullJitter(-1, using: &a) == 0)
    }
}
