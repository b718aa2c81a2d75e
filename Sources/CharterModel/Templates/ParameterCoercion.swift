/// Why a command-line string cannot become a value of a parameter's type.
public struct ParameterCoercionError: Error, Sendable, Hashable {
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var hint: String?
}

extension TemplateInstance {
    /// The value `--param NAME=text` gives `p`, by `p`'s declared type.
    ///
    /// - `int`: decimal digits with an optional sign (`5`, `-2`).
    /// - `bool`: `true` or `false`.
    /// - `list`: a JSON array (`["a","b"]`), or comma-separated text whose items are trimmed
    ///   (`a, b`); the empty string is the empty list. A list holds strings only: a JSON array with
    ///   anything else is refused afterwards, naming the element.
    /// - `string` and `enum`: the text as it is; `"5"` stays a string.
    ///
    /// Pattern and enum checks happen afterwards, with every other argument's.
    public static func coerce(_ text: String, to p: TemplateParameter) -> Result<Value, ParameterCoercionError> {
        switch p.type {
        case .string, .enum:
            return .success(.string(text))
        case .int:
            let trimmed = text.trimmingSpaces
            guard let i = Int(trimmed) else {
                return .failure(
                    ParameterCoercionError(
                        message: "`\(text)` is not an integer", hint: "pass a whole number: `--param \(p.name)=5`"))
            }
            return .success(.int(i))
        case .bool:
            switch text.trimmingSpaces.lowercased() {
            case "true": return .success(.bool(true))
            case "false": return .success(.bool(false))
            default:
                return .failure(
                    ParameterCoercionError(
                        message: "`\(text)` is not a boolean", hint: "pass `--param \(p.name)=true` or `=false`"))
            }
        case .list:
            let trimmed = text.trimmingSpaces
            if trimmed.hasPrefix("[") {
                let parsed: Value
                do throws(JSONParseError) {
                    parsed = try Value(json: trimmed)
                } catch {
                    return .failure(
                        ParameterCoercionError(
                            message: "`\(text)` starts like a JSON array but is not one: \(error.message)",
                            hint: "write `[\"a\", \"b\"]` with double quotes, or plain `a,b`"))
                }
                return .success(parsed)
            }
            if trimmed.isEmpty { return .success(.array([])) }
            return .success(
                .array(
                    text.split(separator: ",", omittingEmptySubsequences: false).map {
                        .string(String($0).trimmingSpaces)
                    }))
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks (no Foundation needed).
    var trimmingSpaces: String {
        let s = unicodeScalars
        guard let first = s.firstIndex(where: { !ExpressionLexer.isSpace($0) }),
            let last = s.lastIndex(where: { !ExpressionLexer.isSpace($0) })
        else { return "" }
        return String(s[first...last])
    }
}
