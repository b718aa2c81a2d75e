/// Hides credentials that users paste by mistake before a value is echoed in a diagnostic
/// (diagnostics reach terminals, CI logs and the status branch).
public enum Redaction {
    /// `text` with the user-info of every `scheme://user:secret@host` replaced by `***`.
    public static func redactURLs(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        var result = ""
        var rest = Substring(text)
        while let schemeEnd = rest.range(of: "://") {
            result += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == " " || $0 == "\"" || $0 == "'" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                result += "***"
                rest = rest[at...]
            }
        }
        return result + rest
    }
}
