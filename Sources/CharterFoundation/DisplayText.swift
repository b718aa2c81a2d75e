/// Text from a repository, a status branch or a process, made safe to show to a person.
///
/// What a board member reads must be what Charter applies. Characters that are invisible, that
/// change the direction of the text around them (Trojan Source, CVE-2021-42574), that move the
/// cursor or restyle a terminal, or that look like a plain space are therefore never printed raw:
/// they are written as Swift-style escapes, `\u{202E}`, which nothing in a repository can make
/// look like anything else. Two forms:
///
/// - ``escaped(_:)`` puts a value on one line and can be undone exactly (``unescaped(_:)``):
///   newlines and tabs are escaped too, and a backslash that would start an escape is doubled.
/// - ``sanitized(_:)`` is for whole reports and logs that have lines of their own: it keeps
///   newlines and tabs and every backslash, and escapes the rest as above.
public enum DisplayText {
    /// The longest run of combining marks shown on one base character; more stack into a tower
    /// that paints over the lines around it ("Zalgo" text). Three covers every real orthography.
    public static let maxCombiningMarks = 3

    /// `text` on one line with every character a reader could not see or would misread escaped.
    public static func escaped(_ text: String) -> String {
        render(text, keepLayout: false)
    }

    /// `text` with its lines and tabs kept and every other hidden or deceptive character escaped.
    public static func sanitized(_ text: String) -> String {
        render(text, keepLayout: true)
    }

    /// Whether ``escaped(_:)`` would change `text`.
    public static func needsEscaping(_ text: String) -> Bool {
        escaped(text) != text
    }

    /// The exact text ``escaped(_:)`` was given, or nil when `display` is not its output.
    public static func unescaped(_ display: String) -> String? {
        var out = String.UnicodeScalarView()
        var scalars = display.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return scalars.next()
        }
        while let scalar = next() {
            guard scalar == "\\" else {
                out.append(scalar)
                continue
            }
            guard let escape = next() else {
                out.append(scalar)
                break
            }
            switch escape {
            case "\\": out.append("\\")
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "u":
                guard next() == "{" else { return nil }
                var hex = ""
                while let digit = next(), digit != "}" {
                    hex.unicodeScalars.append(digit)
                    if hex.count > 8 { return nil }
                }
                guard let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) else { return nil }
                out.append(decoded)
            default:
                out.append(scalar)
                pending = escape
            }
        }
        return String(out)
    }

    /// Whether `scalar` is never shown raw: controls, format characters (bidirectional controls,
    /// zero-width characters, tags), separators other than the space, private-use and unassigned
    /// code points, and default-ignorable ones. `previous` and `next` let emoji keep their joiners
    /// and presentation selectors.
    public static func isHidden(_ scalar: Unicode.Scalar, previous: Unicode.Scalar?, next: Unicode.Scalar?) -> Bool {
        let value = scalar.value
        if value < 0x7F { return value < 0x20 }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
            if isEmojiGlue(scalar, previous: previous, next: next) { return false }
            return true
        case .spaceSeparator:
            return true
        default:
            break
        }
        if properties.isDefaultIgnorableCodePoint {
            return !isEmojiGlue(scalar, previous: previous, next: next)
        }
        // Blank-looking symbols that are neither separators nor ignorable.
        return value == 0x2800 || value == 0xFFFC
    }

    private static func isEmojiGlue(_ scalar: Unicode.Scalar, previous: Unicode.Scalar?, next: Unicode.Scalar?) -> Bool
    {
        func isPictograph(_ s: Unicode.Scalar?) -> Bool {
            guard let s, s.value > 0x7F else { return false }
            return s.properties.isEmoji
        }
        switch scalar.value {
        case 0x200D: return isPictograph(previous) && isPictograph(next)  // zero-width joiner in a sequence
        case 0xFE0E, 0xFE0F: return isPictograph(previous)  // text or emoji presentation
        default: return false
        }
    }

    private static func render(_ text: String, keepLayout: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains(where: { $0.value < 0x20 || $0.value >= 0x7F || (!keepLayout && $0 == "\\") }) else {
            return text
        }
        var out = String.UnicodeScalarView()
        var marks = 0
        for (index, scalar) in scalars.enumerated() {
            let previous = index > 0 ? scalars[index - 1] : nil
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            let category = scalar.properties.generalCategory
            marks = (category == .nonspacingMark || category == .enclosingMark) ? marks + 1 : 0
            switch scalar {
            case "\n" where keepLayout, "\t" where keepLayout:
                out.append(scalar)
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            case "\\" where !keepLayout && next.map(startsEscape) ?? false:
                out.append(contentsOf: #"\\"#.unicodeScalars)
            default:
                if marks > maxCombiningMarks || isHidden(scalar, previous: previous, next: next) {
                    out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
                } else {
                    out.append(scalar)
                }
            }
        }
        return String(out)
    }

    /// A backslash before one of these would read as an escape, so ``escaped(_:)`` doubles it.
    private static func startsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\\" || scalar == "n" || scalar == "t" || scalar == "r" || scalar == "u"
    }
}
