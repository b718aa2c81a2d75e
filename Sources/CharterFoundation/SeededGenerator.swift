/// SplitMix64 (Steele, Lea and Flood): a small, fast generator whose sequence is fixed by its seed,
/// so whatever draws from it — a broker's jittered cooldowns, a synthetic organization, the kill
/// harness's schedule of kills — is reproduced by giving the same seed again.
///
/// Not for secrets: the sequence is predictable by design.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next number of the sequence. The constants are SplitMix64's own and must not change:
    /// recorded seeds (RELIABILITY.md's kill harness runs, generated benchmark orgs) name the
    /// sequences they produce.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
