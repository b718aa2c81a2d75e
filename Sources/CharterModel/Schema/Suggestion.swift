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
        var x: [Unicode.Scalar] = []
        appendLowercased(word, to: &x, limit: .max)
        var best: (String, Int)?
        var y: [Unicode.Scalar] = []
        var scratch = Scratch()
        for c in candidates {
            // One scalar past the longest candidate worth comparing is enough to skip it.
            y.removeAll(keepingCapacity: true)
            appendLowercased(c, to: &y, limit: x.count + maxDistance + 1)
            if y.count > x.count + maxDistance || y.count + maxDistance < x.count { continue }
            let limit = max(1, min(maxDistance, y.count / 3))
            guard let d = distance(x, y, atMost: limit, &scratch) else { continue }
            if best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// Appends the scalars of `text` in lower case to `out`, stopping after `limit` of them.
    /// ASCII, which names are, is lowered without allocating.
    static func appendLowercased(_ text: String, to out: inout [Unicode.Scalar], limit: Int) {
        for u in text.unicodeScalars {
            guard out.count < limit else { return }
            if u.isASCII {
                out.append(u.value >= 65 && u.value <= 90 ? Unicode.Scalar(u.value + 32)! : u)
            } else {
                for l in u.properties.lowercaseMapping.unicodeScalars where out.count < limit { out.append(l) }
            }
        }
    }

    /// Rows reused across the candidates of one search.
    struct Scratch {
        var older: [Int] = []
        var previous: [Int] = []
        var current: [Int] = []
    }

    /// Optimal string alignment distance: Levenshtein plus adjacent transpositions (`memebrs`).
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        var scratch = Scratch()
        return distance(x, y, atMost: max(x.count, y.count), &scratch)!
    }

    /// The distance between `x` and `y` when it is at most `k`, else nil; only cells within `k`
    /// of the diagonal are computed, and the computation stops once a whole row exceeds `k`.
    static func distance(
        _ x: [Unicode.Scalar], _ y: [Unicode.Scalar], atMost k: Int, _ scratch: inout Scratch
    ) -> Int? {
        if abs(x.count - y.count) > k { return nil }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        let big = k + 1
        let width = y.count + 1
        // Three rows: two back (for transpositions), one back, current.
        var older = scratch.older
        var previous = scratch.previous
        var current = scratch.current
        defer { scratch = Scratch(older: older, previous: previous, current: current) }
        older.removeAll(keepingCapacity: true)
        older.append(contentsOf: repeatElement(big, count: width))
        previous.removeAll(keepingCapacity: true)
        for j in 0..<width { previous.append(min(j, big)) }
        current.removeAll(keepingCapacity: true)
        current.append(contentsOf: repeatElement(big, count: width))
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
