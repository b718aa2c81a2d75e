/// Wildcard matching of one name: `*` matches any run of characters (also none) and, where asked
/// for, `?` matches exactly one; every other character matches only itself.
///
/// The single-backtrack algorithm: linear in practice, quadratic at worst, never exponential
/// whatever pattern a repository holds.
public enum Glob {
    /// Whether `text` matches `pattern`.
    public static func matches(_ pattern: String, _ text: String, questionMark: Bool = false) -> Bool {
        if !pattern.contains("*") && !(questionMark && pattern.contains("?")) { return pattern == text }
        let p = Array(pattern.unicodeScalars)
        let t = Array(text.unicodeScalars)
        var i = 0
        var j = 0
        var star = -1
        var mark = 0
        while j < t.count {
            if i < p.count && p[i] != "*" && (p[i] == t[j] || (questionMark && p[i] == "?")) {
                i += 1
                j += 1
            } else if i < p.count && p[i] == "*" {
                star = i
                mark = j
                i += 1
            } else if star >= 0 {
                i = star + 1
                mark += 1
                j = mark
            } else {
                return false
            }
        }
        while i < p.count && p[i] == "*" { i += 1 }
        return i == p.count
    }
}
