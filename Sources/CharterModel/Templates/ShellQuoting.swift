/// POSIX shell quoting for values substituted into `run` commands.
public enum ShellQuoting {
    /// `value` as one single-quoted shell word: nothing inside single quotes is special to a
    /// POSIX shell, and each `'` becomes `'\''` (close, escaped quote, reopen).
    public static func quote(_ value: String) -> String {
        "'" + value.replacingAll("'", with: #"'\''"#) + "'"
    }

    /// The shell words for a substituted value: a list gives one quoted word per element,
    /// separated by spaces (none for the empty list); anything else gives one word.
    public static func words(for value: Value) -> String {
        if case .array(let items) = value { return items.map { quote($0.text) }.joined(separator: " ") }
        return quote(value.text)
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation needed).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
