/// Text that came from a repository or a status branch — a branch name, a tree entry's name, an error
/// quoting one — made safe to put in `STATUS.md`: a crafted name may hold a newline, which would start
/// a Markdown line of its choosing, or a backtick, which would end a code span early.
enum StatusText {
    /// `text` on one line: control characters (newlines included) written as `\u{…}` escapes.
    static func line(_ text: String) -> String {
        escaping(text) { $0.properties.generalCategory == .control }
    }

    /// `text` as a Markdown code span on one line; backticks are escaped as well.
    static func code(_ text: String) -> String {
        "`" + escaping(text) { $0.properties.generalCategory == .control || $0 == "`" } + "`"
    }

    private static func escaping(_ text: String, _ escape: (Unicode.Scalar) -> Bool) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if escape(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
