/// Guards user-written regular expressions (template parameter `pattern`s) against catastrophic
/// backtracking: Swift's `Regex` has no time limit, so `(a+)+$` on a long input would hang a
/// validation — and the controller — forever.
public enum PatternSafety {
    /// Longest pattern accepted.
    public static let maxPatternLength = 256
    /// Longest value a pattern is matched against.
    public static let maxInputLength = 4096

    /// Why `pattern` is refused, or nil when it is safe to run.
    ///
    /// Refuses a repeated group (`*`, `+`, `{n,}`) that itself contains a quantifier or an
    /// alternation — the shapes of exponential backtracking (`(a+)+`, `(a|a)*`, `(\w*)*`).
    public static func problem(_ pattern: String) -> String? {
        if pattern.unicodeScalars.count > maxPatternLength {
            return "the pattern is longer than \(maxPatternLength) characters"
        }
        struct Frame {
            var quantified = false
            var alternation = false
        }
        let u = Array(pattern.unicodeScalars)
        var stack = [Frame()]
        var i = 0
        func repeats(at j: Int) -> Bool {
            guard j < u.count else { return false }
            return u[j] == "*" || u[j] == "+" || u[j] == "{"
        }
        while i < u.count {
            let c = u[i]
            switch c {
            case "\\":
                i += 1
            case "[":
                i += 1
                if i < u.count, u[i] == "^" { i += 1 }
                if i < u.count, u[i] == "]" { i += 1 }
                while i < u.count, u[i] != "]" {
                    if u[i] == "\\" { i += 1 }
                    i += 1
                }
            case "(":
                stack.append(Frame())
                if i + 1 < u.count, u[i + 1] == "?" { i += 1 }
            case ")":
                guard stack.count > 1 else { break }
                let group = stack.removeLast()
                let repeated = repeats(at: i + 1)
                if repeated && (group.quantified || group.alternation) {
                    return "a repeated group contains a quantifier or `|`, which can take exponential time"
                }
                stack[stack.count - 1].quantified = stack[stack.count - 1].quantified || group.quantified || repeated
            case "|":
                stack[stack.count - 1].alternation = true
            case "*", "+", "?", "{":
                stack[stack.count - 1].quantified = true
            default:
                break
            }
            i += 1
        }
        return nil
    }
}
