/// A set of pattern positions `0..<128` in two words: the live state of a ``ParameterPattern``
/// match, updated without allocating.
struct PositionSet: Sendable, Hashable {
    var low: UInt64 = 0
    var high: UInt64 = 0

    var isEmpty: Bool { low | high == 0 }

    mutating func insert(_ p: Int) {
        if p < 64 { low |= 1 << UInt64(p) } else { high |= 1 << UInt64(p - 64) }
    }

    func contains(_ p: Int) -> Bool {
        p < 64 ? low & (1 << UInt64(p)) != 0 : high & (1 << UInt64(p - 64)) != 0
    }

    mutating func formUnion(_ other: PositionSet) {
        low |= other.low
        high |= other.high
    }

    mutating func formIntersection(_ other: PositionSet) {
        low &= other.low
        high &= other.high
    }

    func union(_ other: PositionSet) -> PositionSet {
        PositionSet(low: low | other.low, high: high | other.high)
    }

    func isDisjoint(with other: PositionSet) -> Bool { (low & other.low) | (high & other.high) == 0 }

    /// Calls `body` with each member, in increasing order.
    @inline(__always) func forEach(_ body: (Int) -> Void) {
        var w = low
        while w != 0 {
            body(w.trailingZeroBitCount)
            w &= w &- 1
        }
        w = high
        while w != 0 {
            body(64 + w.trailingZeroBitCount)
            w &= w &- 1
        }
    }
}

/// A set of Unicode scalar values as sorted, disjoint, non-adjacent closed ranges.
struct ScalarSet: Sendable, Hashable {
    static let maxScalar: UInt32 = 0x10FFFF
    var ranges: [ClosedRange<UInt32>]

    init(_ ranges: [ClosedRange<UInt32>]) {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for r in sorted {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        self.ranges = merged
    }

    init(scalar: UInt32) { ranges = [scalar...scalar] }

    /// Every scalar not in this set.
    var inverted: ScalarSet {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in ranges {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = r.upperBound &+ 1
            if r.upperBound == Self.maxScalar { return ScalarSet(out) }
        }
        out.append(next...Self.maxScalar)
        return ScalarSet(out)
    }

    /// `[0-9]`, as `\d` means in a parameter pattern (ASCII digits only).
    static let digits = ScalarSet([48...57])
    /// `[A-Za-z0-9_]`, as `\w` means in a parameter pattern.
    static let word = ScalarSet([48...57, 65...90, 95...95, 97...122])
    /// What ECMA-262's `\s` matches: white space and line terminators.
    static let space = ScalarSet([
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
        0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ])
    /// What `.` matches: anything but a line terminator.
    static let dot = ScalarSet([0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029]).inverted
}
