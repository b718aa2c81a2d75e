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
        let ceiling = min(cap, base * pow(2, Double(max(0, min(n - 1, 62)))))
        return ceiling > 0 ? Double.random(in: 0...ceiling, using: &rng) : 0
    }
}
