/// "Did you mean" suggestions for misspelled field names and enum values.
public enum Suggestion {
    /// The largest edit distance a suggestion may have.
    static let maxDistance = 3

    /// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
    ///
    /// Cheap whatever the input: a candidate whose length differs from `word`'s by more than the
    /// largest distance allowed is skipped after counting at most that many scalars past `word`'s
    /// length, and the distance is computed only in a band of that width, so a word or candidate
    /// of a megabyte costs no more than a short one.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let x = Array(word.lowercased().unicodeScalars)
        var best: (String, Int)?
        for c in candidates {
            // Candidates longer than 3 × maxDistance + 2 scalars allow the full distance; any
            // candidate more than maxDistance longer or shorter than `word` is too far.
            var y: [Unicode.Scalar] = []
            var tooLong = false
            for u in c.lowercased().unicodeScalars {
                y.append(u)
                if y.count > x.count + maxDistance {
                    tooLong = true
                    break
                }
            }
            if tooLong || y.count + maxDistance < x.count { continue }
            let limit = max(1, min(maxDistance, y.count / 3))
            guard let d = distance(x, y, atMost: limit) else { continue }
            if best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// Optimal string alignment distance: Levenshtein plus adjacent transpositions (`memebrs`).
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        return distance(x, y, atMost: max(x.count, y.count))!
    }

    /// The distance between `x` and `y` when it is at most `k`, else nil; only cells within `k`
    /// of the diagonal are computed, and the computation stops once a whole row exceeds `k`.
    static func distance(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar], atMost k: Int) -> Int? {
        if abs(x.count - y.count) > k { return nil }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        let big = k + 1
        let width = y.count + 1
        // Three rows: two back (for transpositions), one back, current.
        var older = [Int](repeating: big, count: width)
        var previous = (0..<width).map { min($0, big) }
        var current = [Int](repeating: big, count: width)
        for i in 1...x.count {
            let low = max(1, i - k)
            let high = min(y.count, i + k)
            // Cells next to the band are read as "too far"; the rest of the recycled row is never read.
            current[0] = i <= k ? i : big
            if low - 1 >= 1 { current[low - 1] = big }
            if high + 1 < width { current[high + 1] = big }
            var rowMin = current[0]
            if low <= high {
                for j in low...high {
                    let cost = x[i - 1] == y[j - 1] ? 0 : 1
                    var v = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                    if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { v = min(v, older[j - 2] + 1) }
                    current[j] = min(v, big)
                    rowMin = min(rowMin, current[j])
                }
            }
            if rowMin > k { return nil }
            swap(&older, &previous)
            swap(&previous, &current)
        }
        let d = previous[y.count]
        return d <= k ? d : nil
    }
}
