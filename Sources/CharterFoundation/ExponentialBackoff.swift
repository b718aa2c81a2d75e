import Foundation

/// The arithmetic of exponential backoff, shared by every retry policy (the engine's step retries,
/// the broker's source cooldowns); each keeps its own units, cap and jitter source.
public enum ExponentialBackoff {
    /// `initial × multiplier^(failures−1)`, at most `cap`: the wait after the `failures`-th
    /// consecutive failure (1-based; zero or fewer counts as the first).
    ///
    /// Defined for any inputs, whatever a stored policy says: a negative initial wait or multiplier
    /// counts as zero, and a product that is not a finite number (a huge exponent, or zero times an
    /// infinite power) is `cap`, so nothing overflows into a trap or a wait of NaN.
    public static func ceiling(failures: Int, initial: Double, multiplier: Double, cap: Double) -> Double {
        let exponent = Double(max(failures - 1, 0))
        let raw = max(initial, 0) * pow(max(multiplier, 0), exponent)
        return raw.isFinite ? min(raw, cap) : cap
    }

    /// "Full jitter": a uniform draw from `0...ceiling` by `generator`, so callers failing together
    /// do not retry together; zero when `ceiling` is not positive.
    public static func fullJitter<Generator: RandomNumberGenerator>(
        _ ceiling: Double, using generator: inout Generator
    ) -> Double {
        ceiling > 0 ? Double.random(in: 0...ceiling, using: &generator) : 0
    }
}
