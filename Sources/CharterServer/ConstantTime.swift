/// Byte comparison for secrets and signatures.
enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. The time taken depends only on the lengths, never on
    /// where the first difference is, so a caller cannot find a valid signature byte by byte by timing
    /// refusals. Callers compare fixed-length digests, so the lengths themselves reveal nothing.
    static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
