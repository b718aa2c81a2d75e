/// A parsed parameter pattern: what ``ParameterPatternParser`` produces and ``GlushkovBuilder``
/// compiles.
indirect enum PatternNode: Sendable {
    /// Matches the empty string.
    case empty
    /// One scalar from the set.
    case set(ScalarSet)
    case concat([PatternNode])
    case alternation([PatternNode])
    /// `min` to `max` repetitions; no `max` means unbounded.
    case repetition(PatternNode, min: Int, max: Int?)

    /// Character positions once counted repetition is written out, saturating at `Int.max`.
    var positionCount: Int {
        switch self {
        case .empty: return 0
        case .set: return 1
        case .concat(let nodes), .alternation(let nodes):
            return nodes.reduce(0) { sum, n in
                let (s, overflow) = sum.addingReportingOverflow(n.positionCount)
                return overflow ? Int.max : s
            }
        case .repetition(let node, let min, let max):
            // `x{n,}` is written out as n − 1 copies and one `x+`; `x*` and `x+` as one copy.
            let copies = max ?? Swift.max(min, 1)
            let (p, overflow) = node.positionCount.multipliedReportingOverflow(by: copies)
            return overflow ? Int.max : p
        }
    }
}

/// Builds the Glushkov automaton of a ``PatternNode``: one state per character position, with
/// the positions that can start and end a match and, for each position, the ones that can follow.
///
/// Counted repetition is written out (`x{2,3}` is `xxx?`), each copy with fresh positions; the
/// caller has checked the count against ``ParameterPattern/maxPositions``.
struct GlushkovBuilder {
    /// The character set of each position.
    private(set) var sets: [ScalarSet] = []
    /// The positions that may follow each position.
    private(set) var follow: [PositionSet] = []

    struct Fragment {
        var nullable: Bool
        var first: PositionSet
        var last: PositionSet

        static let empty = Fragment(nullable: true, first: PositionSet(), last: PositionSet())
    }

    mutating func build(_ node: PatternNode) -> Fragment {
        switch node {
        case .empty:
            return .empty
        case .set(let s):
            let p = sets.count
            sets.append(s)
            follow.append(PositionSet())
            var only = PositionSet()
            only.insert(p)
            return Fragment(nullable: false, first: only, last: only)
        case .concat(let nodes):
            var result = Fragment.empty
            for n in nodes { result = concat(result, build(n)) }
            return result
        case .alternation(let nodes):
            var result = Fragment(nullable: false, first: PositionSet(), last: PositionSet())
            for n in nodes {
                let f = build(n)
                result.nullable = result.nullable || f.nullable
                result.first.formUnion(f.first)
                result.last.formUnion(f.last)
            }
            return result
        case .repetition(let n, let min, let max):
            var result = Fragment.empty
            if let max {
                for _ in 0..<min { result = concat(result, build(n)) }
                for _ in min..<max {
                    var optional = build(n)
                    optional.nullable = true
                    result = concat(result, optional)
                }
            } else {
                for _ in 0..<Swift.max(min - 1, 0) { result = concat(result, build(n)) }
                // One copy that loops back on itself: `x+`, or `x*` when nothing is required.
                var loop = build(n)
                loop.last.forEach { follow[$0].formUnion(loop.first) }
                if min == 0 { loop.nullable = true }
                result = concat(result, loop)
            }
            return result
        }
    }

    /// `a` then `b`: `b`'s first positions follow `a`'s last ones.
    private mutating func concat(_ a: Fragment, _ b: Fragment) -> Fragment {
        a.last.forEach { follow[$0].formUnion(b.first) }
        return Fragment(
            nullable: a.nullable && b.nullable,
            first: a.nullable ? a.first.union(b.first) : a.first,
            last: b.nullable ? b.last.union(a.last) : b.last)
    }
}
