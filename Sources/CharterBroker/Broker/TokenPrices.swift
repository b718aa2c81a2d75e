import CharterModel

/// A CapacitySource's prices as exact integers: micro-USD per million tokens.
///
/// A price of `P` USD per million tokens is `P` micro-USD per token, so `P × 1,000,000` is an
/// integer for any price written with at most six decimals (0.075 → 75,000). All cost arithmetic
/// is done on integers from there; floating point appears only once, when the YAML's decimal is
/// converted, and is rounded to the nearest micro-USD-per-million, so sums never drift.
public struct TokenPrices: Sendable, Hashable {
    /// Micro-USD per million uncached input tokens.
    public var inputMicrosPerMillion: Int64
    /// Micro-USD per million output tokens (reasoning included).
    public var outputMicrosPerMillion: Int64
    /// Micro-USD per million input tokens read from the provider's prompt cache.
    public var cachedInputMicrosPerMillion: Int64

    /// Prices given directly in micro-USD per million tokens.
    public init(inputMicrosPerMillion: Int64, outputMicrosPerMillion: Int64, cachedInputMicrosPerMillion: Int64) {
        self.inputMicrosPerMillion = inputMicrosPerMillion
        self.outputMicrosPerMillion = outputMicrosPerMillion
        self.cachedInputMicrosPerMillion = cachedInputMicrosPerMillion
    }

    /// The prices of `source` (USD per million tokens), converted exactly.
    public init(_ source: CapacitySource) {
        self.init(
            inputMicrosPerMillion: Self.micros(source.inputPerMillion),
            outputMicrosPerMillion: Self.micros(source.outputPerMillion),
            cachedInputMicrosPerMillion: Self.micros(source.cachedInputPerMillion))
    }

    /// Free: the offline provider.
    public static let free = TokenPrices(
        inputMicrosPerMillion: 0, outputMicrosPerMillion: 0, cachedInputMicrosPerMillion: 0)

    /// `usd` (per million tokens) in micro-USD per million tokens, to the nearest; negative and
    /// non-finite prices count as 0 (validation rejects them earlier).
    public static func micros(_ usd: Double) -> Int64 {
        guard usd.isFinite, usd > 0 else { return 0 }
        return Int64((usd * 1_000_000).rounded())
    }

    /// What `usage` costs, in micro-USD:
    /// `ceil((uncachedInput × input + cachedInput × cached + output × output) / 1,000,000)`,
    /// where uncachedInput = input − cachedInput.
    ///
    /// The sum is taken before the single division, so a call is rounded once; rounding up means a
    /// budget is never under-charged, and the ledger's totals exceed the exact figure by less than
    /// one micro-USD per call.
    public func cost(of usage: TokenUsage) -> Int64 {
        let cached = Int64(max(0, min(usage.cachedInput, usage.input)))
        let uncached = Int64(max(0, usage.input)) - cached
        let output = Int64(max(0, usage.output))
        let scaled =
            uncached * inputMicrosPerMillion + cached * cachedInputMicrosPerMillion + output * outputMicrosPerMillion
        return Self.ceilDivide(scaled, 1_000_000)
    }

    /// The most a call may cost: every estimated input token at the dearer of the uncached and
    /// cached input prices (the cache is not known in advance), plus every allowed output token.
    public func worstCaseCost(inputTokens: Int, maxOutputTokens: Int) -> Int64 {
        let inputPrice = max(inputMicrosPerMillion, cachedInputMicrosPerMillion)
        let scaled =
            Int64(max(0, inputTokens)) * inputPrice + Int64(max(0, maxOutputTokens)) * outputMicrosPerMillion
        return Self.ceilDivide(scaled, 1_000_000)
    }

    static func ceilDivide(_ a: Int64, _ b: Int64) -> Int64 { a <= 0 ? 0 : (a + b - 1) / b }
}

extension TokenPrices {
    /// Micro-USD as dollars with six decimals, `$1.250000`: how costs are shown everywhere.
    public static func usd(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let m = micros.magnitude
        let fraction = String(m % 1_000_000)
        return "\(sign)$\(m / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }
}
