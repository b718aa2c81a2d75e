/// A template parameter's `pattern`, compiled into an automaton that matches a value in time
/// linear in the value, whatever the pattern.
///
/// Swift's `Regex` backtracks and has no time limit: `a*a*a*a*a*a*a*a*a*a*b` against a long run
/// of `a`s takes polynomial time, `(a+)+$` exponential time, and no shape check catches every such
/// pattern. So parameter patterns are a documented subset of regular expressions (see
/// docs/TEMPLATES.md) that Charter parses itself and compiles to a Glushkov automaton (a
/// position NFA without ε-moves). Matching keeps the set of live positions as a 128-bit set, so
/// one value scalar costs at most one pass over the live positions: at most
/// ``maxPositions`` × ``maxInputLength`` steps for a value, whatever the pattern.
///
/// The pattern always matches the **whole** value; `^` at its start and `$` at its end are
/// accepted and change nothing. Matching is by Unicode scalar.
public struct ParameterPattern: Sendable, Hashable {
    /// Longest pattern accepted, in Unicode scalars.
    public static let maxLength = 256
    /// Most character positions of a pattern once counted repetition is written out
    /// (`[a-z]{2,5}` has 5; `(ab|c)+` has 3).
    public static let maxPositions = 128
    /// Longest value a pattern is matched against, in Unicode scalars.
    public static let maxInputLength = 4096
    /// Largest `n` or `m` of `{n}`, `{n,}` or `{n,m}`.
    static let maxCount = 1000
    /// Deepest nesting of groups.
    static let maxNesting = 32

    /// The pattern as written.
    public let source: String
    /// Positions that can match the first scalar.
    let first: PositionSet
    /// Positions after which the value may end.
    let last: PositionSet
    /// Whether the empty value matches.
    let nullable: Bool
    /// For each position, the positions that may match the next scalar.
    let follow: [PositionSet]
    /// Scalar classes: class `i` is the scalars from `classStarts[i]` up to the next start. Every
    /// character set of the pattern is a union of classes, so a class stands for its scalars.
    let classStarts: [UInt32]
    /// The class of each ASCII scalar, so most values never search `classStarts`.
    let asciiClass: [UInt16]
    /// For each class, the positions whose character set holds it.
    let classPositions: [PositionSet]

    /// Parses and compiles `pattern`.
    /// - Throws: ``ParameterPatternError`` naming what is not supported, where.
    public init(_ pattern: String) throws(ParameterPatternError) {
        let scalars = Array(pattern.unicodeScalars)
        guard scalars.count <= Self.maxLength else {
            throw ParameterPatternError(
                "the pattern is \(scalars.count) characters long; the limit is \(Self.maxLength)", at: Self.maxLength)
        }
        var parser = ParameterPatternParser(scalars)
        let tree = try parser.parsePattern()
        let positions = tree.positionCount
        guard positions <= Self.maxPositions else {
            throw ParameterPatternError(
                "the pattern has \(positions < Int.max ? "\(positions)" : "too many") character positions once its "
                    + "counted repetitions are written out; the limit is \(Self.maxPositions)", at: 0,
                hint: "use `*` or `+` instead of large `{n,m}` counts")
        }
        var builder = GlushkovBuilder()
        let root = builder.build(tree)
        source = pattern
        first = root.first
        last = root.last
        nullable = root.nullable
        follow = builder.follow
        (classStarts, asciiClass, classPositions) = Self.classes(of: builder.sets)
    }

    /// Whether `value` matches the whole pattern. Values longer than ``maxInputLength`` never do.
    public func matches(_ value: String) -> Bool {
        var live = PositionSet()
        var started = false
        var count = 0
        for scalar in value.unicodeScalars {
            count += 1
            guard count <= Self.maxInputLength else { return false }
            var next: PositionSet
            if started {
                next = PositionSet()
                live.forEach { next.formUnion(follow[$0]) }
            } else {
                next = first
                started = true
            }
            next.formIntersection(classPositions[classIndex(scalar.value)])
            if next.isEmpty { return false }
            live = next
        }
        return started ? !live.isDisjoint(with: last) : nullable
    }

    /// The class holding `scalar`.
    func classIndex(_ scalar: UInt32) -> Int {
        if scalar < 128 { return Int(asciiClass[Int(scalar)]) }
        // The last start that is <= scalar; classStarts[0] is 0.
        var low = 0
        var high = classStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if classStarts[mid] <= scalar { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// The scalar classes that the character sets `sets` induce, and which positions hold each.
    static func classes(of sets: [ScalarSet]) -> ([UInt32], [UInt16], [PositionSet]) {
        var cuts: Set<UInt32> = [0]
        for set in sets {
            for r in set.ranges {
                cuts.insert(r.lowerBound)
                if r.upperBound < ScalarSet.maxScalar { cuts.insert(r.upperBound + 1) }
            }
        }
        let starts = cuts.sorted()
        var positions = [PositionSet](repeating: PositionSet(), count: starts.count)
        for (p, set) in sets.enumerated() {
            // Each range covers whole classes: from the class of its start up to its end.
            for r in set.ranges {
                var i = starts.partitionPoint { $0 < r.lowerBound }
                while i < starts.count, starts[i] <= r.upperBound {
                    positions[i].insert(p)
                    i += 1
                }
            }
        }
        var ascii = [UInt16](repeating: 0, count: 128)
        var c = 0
        for scalar in 0..<128 {
            while c + 1 < starts.count, starts[c + 1] <= UInt32(scalar) { c += 1 }
            ascii[scalar] = UInt16(c)
        }
        return (starts, ascii, positions)
    }

    public static func == (a: ParameterPattern, b: ParameterPattern) -> Bool { a.source == b.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}

/// Why a parameter pattern is refused: what is not supported, and where.
public struct ParameterPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The 0-based offset in Unicode scalars in the pattern where the problem is.
    public var offset: Int
    /// What to write instead, when there is something to say.
    public var hint: String?

    /// Creates an error at `offset`.
    public init(_ message: String, at offset: Int, hint: String? = nil) {
        self.message = message
        self.offset = offset
        self.hint = hint
    }

    /// `message at character N`.
    public var description: String { "\(message) (at character \(offset + 1))" }
}
