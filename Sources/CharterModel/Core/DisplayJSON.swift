import CharterFoundation

/// JSON (or YAML double-quoted) text of a value for people and terminals: the canonical form,
/// except that every character ``DisplayText`` hides is written as a `\u` escape. A parser reads
/// back the exact value; a terminal or an editor shows nothing it could hide or reorder.
public enum DisplayJSON {
    /// How a character outside the Basic Multilingual Plane is escaped.
    public enum Dialect: Sendable {
        /// JSON: a UTF-16 surrogate pair, `\uDB40\uDC41`.
        case json
        /// YAML double-quoted scalars: `\U000E0041`.
        case yaml
    }

    /// Compact JSON text of `value`, object members in canonical order.
    public static func string(_ value: Value, dialect: Dialect = .json) -> String {
        var out = ""
        write(value, dialect: dialect, into: &out)
        return out
    }

    /// `text` as a quoted JSON string.
    public static func quoted(_ text: String, dialect: Dialect = .json) -> String {
        var out = ""
        writeString(text, dialect: dialect, into: &out)
        return out
    }

    static func write(_ value: Value, dialect: Dialect, into out: inout String) {
        switch value {
        case .string(let s): writeString(s, dialect: dialect, into: &out)
        case .array(let a):
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += "," }
                write(element, dialect: dialect, into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, key) in CanonicalJSON.sortedKeys(o).enumerated() {
                if i > 0 { out += "," }
                writeString(key, dialect: dialect, into: &out)
                out += ":"
                write(o[key]!, dialect: dialect, into: &out)
            }
            out += "}"
        default:
            out += CanonicalJSON.string(value)
        }
    }

    static func writeString(_ s: String, dialect: Dialect, into out: inout String) {
        guard s.utf8.contains(where: { $0 >= 0x7F }) else {
            out += CanonicalJSON.string(.string(s))
            return
        }
        let scalars = Array(s.unicodeScalars)
        out += "\""
        var marks = 0
        for (index, scalar) in scalars.enumerated() {
            let category = scalar.properties.generalCategory
            marks = (category == .nonspacingMark || category == .enclosingMark) ? marks + 1 : 0
            let hidden =
                scalar.value == 0x7F || marks > DisplayText.maxCombiningMarks
                || DisplayText.isHidden(
                    scalar, previous: index > 0 ? scalars[index - 1] : nil,
                    next: index + 1 < scalars.count ? scalars[index + 1] : nil)
            if scalar.value < 0x80 && !hidden {
                out += String(CanonicalJSON.string(.string(String(scalar))).dropFirst().dropLast())
            } else if !hidden {
                out.unicodeScalars.append(scalar)
            } else if scalar.value <= 0xFFFF {
                out += "\\u" + hex4(scalar.value)
            } else if dialect == .yaml {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            } else {
                for unit in String(scalar).utf16 { out += "\\u" + hex4(UInt32(unit)) }
            }
        }
        out += "\""
    }

    static func hex4(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
