import CharterFoundation

/// A piece of markup that is safe to send: its literal parts are written in this module, and every
/// `String` interpolated into it goes through ``HTML/escape(_:)`` — the dashboard's one escaping
/// function — so text from a repository, a run or a vote can never become markup.
///
///     let row: HTML = "<td>\(team.displayName)</td>"      // escaped and visible, look-alikes flagged
///     let cell: HTML = "<td>\(raw: otherHTML)</td>"       // markup built the same way, inserted as is
///
/// Writing markup from text takes this type; there is no way to turn a `String` into `HTML`
/// without escaping except a literal.
public struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup.
    public private(set) var markup: String

    public init(stringLiteral value: String) { markup = value }
    public init(stringInterpolation: Interpolation) { markup = stringInterpolation.markup }
    init(trusted markup: String) { self.markup = markup }

    public var description: String { markup }

    /// Nothing.
    public static let empty = HTML(trusted: "")

    /// `parts` one after the other.
    public static func join<S: Sequence>(_ parts: S, separator: HTML = .empty) -> HTML where S.Element == HTML {
        HTML(trusted: parts.map(\.markup).joined(separator: separator.markup))
    }

    public static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(trusted: lhs.markup + rhs.markup) }
    public static func += (lhs: inout HTML, rhs: HTML) { lhs.markup += rhs.markup }

    /// How strings get into markup.
    public struct Interpolation: StringInterpolationProtocol {
        var markup = ""
        public init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity * 2) }
        public mutating func appendLiteral(_ literal: String) { markup += literal }
        /// Text on one line: hidden characters shown as escapes, look-alikes flagged.
        public mutating func appendInterpolation(_ text: String) { markup += HTML.text(text).markup }
        /// A number.
        public mutating func appendInterpolation<N: BinaryInteger>(_ number: N) { markup += String(number) }
        /// Markup built with this type.
        public mutating func appendInterpolation(raw html: HTML) { markup += html.markup }
        /// Markup built with this type, or nothing.
        public mutating func appendInterpolation(raw html: HTML?) { markup += html?.markup ?? "" }
        /// Text for an attribute value (inside double quotes): escaped, never flagged (no markup there).
        public mutating func appendInterpolation(attribute text: String) {
            markup += HTML.escape(DisplayText.escaped(text))
        }
        /// Text on one line, escaped but not checked for look-alikes: for text Charter wrote about
        /// a value (a finding's own description quotes the look-alike it describes).
        public mutating func appendInterpolation(plain text: String) {
            markup += HTML.escape(DisplayText.escaped(text))
        }
        /// Multi-line text (logs, plans, answers): lines kept, everything hidden shown as escapes.
        public mutating func appendInterpolation(block text: String) { markup += HTML.block(text).markup }
    }

    /// The one escaping function: `&`, `<`, `>`, `"` and `'` as character references. Safe in
    /// element content and in quoted attribute values.
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// `text` on one line, as the plan shows it (GOVERNANCE.md §7): bidirectional controls,
    /// zero-width and other hidden characters as visible escapes (`\u{202E}`), then HTML-escaped;
    /// a value whose letters pass for ASCII ones gets a visible look-alike flag saying what it reads as.
    public static func text(_ text: String) -> HTML {
        let shown = HTML(trusted: escape(DisplayText.escaped(text)))
        guard let finding = Lookalike.inspect(text) else { return shown }
        return shown
            + "<mark class=\"lookalike\">! look-alike: \(plain: finding.description)</mark>"
    }

    /// Multi-line text with its lines and tabs kept (`DisplayText.sanitized`), HTML-escaped; for
    /// a `<pre>`.
    public static func block(_ text: String) -> HTML {
        HTML(trusted: escape(DisplayText.sanitized(text)))
    }
}
