import CharterFoundation
import Foundation

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
        // Doubling stops at base × 2^62, as it always has: any cap is reached long before.
        let ceiling = ExponentialBackoff.ceiling(failures: min(n, 63), initial: base, multiplier: 2, cap: cap)
        return ExponentialBackoff.fullJitter(ceiling, using: &rng)
    }
}
