import Foundation

/// SplitMix64: a small, fast generator whose sequence is fixed by its seed, so a broker's
/// jittered cooldowns are reproducible in tests.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The cooldown after a source's `n`-th consecutive retryable failure.
enum Backoff {
    /// `Retry-After` when the provider sent one; otherwise full jitter: a uniform draw from
    /// `[0, min(cap, base × 2^(n−1))]`, so sources failing together do not retry together.
    static func cooldown(
        failures n: Int, retryAfter: Duration?, base: TimeInterval, cap: TimeInterval,
        using rng: inout SeededGenerator
    ) -> TimeInterval {
        if let retryAfter {
            let parts = retryAfter.components
            return max(0, TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18)
        }
        let ceiling = min(cap, base * pow(2, Double(max(0, min(n - 1, 62)))))
        return ceiling > 0 ? Double.random(in: 0...ceiling, using: &rng) : 0
    }
}
