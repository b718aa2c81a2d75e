import CharterFoundation

/// Text that came from a repository or a status branch — a branch name, a tree entry's name, an error
/// quoting one — made safe to put in `STATUS.md`: a crafted name may hold a newline, which would start
/// a Markdown line of its choosing, a backtick, which would end a code span early, or characters that
/// hide or reorder what follows (``DisplayText``).
enum StatusText {
    /// `text` on one line, nothing hidden.
    static func line(_ text: String) -> String { DisplayText.escaped(text) }

    /// `text` as a Markdown code span on one line; backticks are escaped as well.
    static func code(_ text: String) -> String {
        let escaped = DisplayText.escaped(text)
        return "`" + (escaped.contains("`") ? escaped.replacingOccurrences(of: "`", with: "\\u{60}") : escaped) + "`"
    }
}
