/// Cuts text from a repository before it is echoed in a message, so one long value cannot make a
/// diagnostic (and a terminal, CI log or status file) megabytes long.
public enum Excerpt {
    /// Most Unicode scalars of a value echoed in a message.
    public static let valueLimit = 200
    /// Most Unicode scalars of a whole diagnostic message or hint.
    public static let messageLimit = 2_000

    /// `text`, or its first `limit` scalars followed by `…` and how many more there were.
    public static func cut(_ text: String, limit: Int = valueLimit) -> String {
        // The UTF-8 count bounds the scalar count from above; scalars are counted only when it cannot decide.
        guard text.utf8.count > limit else { return text }
        var scalars = text.unicodeScalars.makeIterator()
        var kept = String.UnicodeScalarView()
        var count = 0
        while count < limit, let u = scalars.next() {
            kept.append(u)
            count += 1
        }
        var rest = 0
        while scalars.next() != nil { rest += 1 }
        guard rest > 0 else { return text }
        return String(kept) + "… (\(rest) more characters)"
    }

    /// `` `a`, `b`, `c` `` for `items`, stopping after about `limit` scalars with how many more there are.
    public static func list(_ items: [String], limit: Int = 2 * valueLimit) -> String {
        var out = ""
        for (i, item) in items.enumerated() {
            if i > 0 { out += ", " }
            if out.utf8.count > limit {
                return out + "… (\(items.count - i) more)"
            }
            out += "`\(cut(item))`"
        }
        return out
    }
}
