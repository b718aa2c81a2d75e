import CharterFoundation
import CharterModel
import Crypto
import Foundation

/// The wait before a retry: exponential, capped, with optional full jitter drawn from the
/// attempt's idempotency key so that the same attempt always waits the same time.
public enum Backoff {
    /// Milliseconds to wait after attempt `attempt` (1-based) failed, before attempt `attempt + 1`:
    /// `base = min(maxBackoff, initialBackoff × multiplier^(attempt−1))`; with jitter a value in
    /// `0…base` ("full jitter"), chosen by `SHA-256(key)`, else `base`.
    ///
    /// Never more than ``DurationRange/retryBackoff``'s maximum, whatever the policy says: a run
    /// stored before the schema bounded backoffs may carry any number.
    public static func delayMilliseconds(after attempt: Int, policy: RetryPolicy, key: String) -> Int {
        let base = ExponentialBackoff.ceiling(
            failures: attempt, initial: Double(policy.initialBackoffMilliseconds), multiplier: policy.multiplier,
            cap: Double(DurationRange.retryBackoff.clamp(policy.maxBackoffMilliseconds)))
        guard policy.jitter else { return Int(base) }
        return Int((base * unitInterval(key)).rounded(.down))
    }

    /// A number in [0, 1] determined by `key`.
    static func unitInterval(_ key: String) -> Double {
        let digest = SHA256.hash(data: Data(key.utf8))
        var x: UInt64 = 0
        for byte in digest.prefix(8) { x = x << 8 | UInt64(byte) }
        // 53 bits give every double in [0, 1) with equal spacing; dividing by 2^53 − 1 reaches 1.
        return Double(x >> 11) / Double((UInt64(1) << 53) - 1)
    }
}
