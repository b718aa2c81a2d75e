import Foundation

/// A web page as the text a reader sees, for a model to read: the title, headings marked `#`,
/// paragraphs and list items on lines of their own, links followed by their address, and none of
/// the markup, scripts, styles or comments.
///
/// Not an HTML parser: one linear pass over the characters that never fails, whatever the page
/// holds, since pages are written by strangers.
enum HTMLText {
    /// The text of `html`; relative link addresses are resolved against `base`.
    static func plain(_ html: String, base: URL? = nil) -> String {
        var converter = Converter(Array(html.unicodeScalars), base: base)
        return converter.run()
    }

    /// `text` with character references (`&amp;`, `&#233;`, `&#x263A;`) replaced by what they name.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "&", let (decoded, length) = entity(scalars, at: i) {
                out.append(contentsOf: decoded.unicodeScalars)
                i += length
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    /// The reference starting at `scalars[at]` (an `&`): what it stands for and its length.
    static func entity(_ scalars: [Unicode.Scalar], at start: Int) -> (String, Int)? {
        var end = start + 1
        while end < scalars.count, end - start <= 32, scalars[end] != ";" {
            guard scalars[end].properties.isAlphabetic || ("0"..."9").contains(scalars[end]) || scalars[end] == "#"
            else { return nil }
            end += 1
        }
        guard end < scalars.count, scalars[end] == ";" else { return nil }
        let name = String(String.UnicodeScalarView(scalars[(start + 1)..<end]))
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value =
                digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            guard let value, value != 0, let scalar = Unicode.Scalar(value) else {
                return ("\u{FFFD}", end - start + 1)
            }
            return (String(Character(scalar)), end - start + 1)
        }
        guard let named = named[name] else { return nil }
        return (named, end - start + 1)
    }

    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®",
        "trade": "™", "mdash": "—", "ndash": "–", "hellip": "…", "laquo": "«", "raquo": "»", "ldquo": "“",
        "rdquo": "”", "lsquo": "‘", "rsquo": "’", "bull": "•", "middot": "·", "euro": "€", "pound": "£",
        "times": "×", "deg": "°", "para": "¶", "sect": "§", "shy": "",
    ]

    /// Elements whose content is not text for a reader.
    static let skipped: Set<String> = [
        "script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "math",
    ]
    /// Elements that start and end a line.
    static let blocks: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "ul", "ol", "table", "tr",
        "blockquote", "pre", "hr", "form", "dl", "dt", "dd", "figure", "figcaption", "address", "details",
        "summary", "body", "html", "fieldset", "caption", "thead", "tbody", "tfoot",
    ]

    private struct Converter {
        let scalars: [Unicode.Scalar]
        let base: URL?
        var i = 0
        var out: [Unicode.Scalar] = []
        var title: String?
        var preformatted = 0
        var pendingSpace = false
        var link: (href: String, textStart: Int)?

        init(_ scalars: [Unicode.Scalar], base: URL?) {
            self.scalars = scalars
            self.base = base
        }

        mutating func run() -> String {
            var text = String.UnicodeScalarView()
            while i < scalars.count {
                let c = scalars[i]
                if c == "<", let tag = readTag() {
                    emit(text)
                    text = String.UnicodeScalarView()
                    handle(tag)
                } else {
                    text.append(c)
                    i += 1
                }
            }
            emit(text)
            var lines = String(String.UnicodeScalarView(out)).split(separator: "\n", omittingEmptySubsequences: false)
                .map { line in String(line.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
            // At most one blank line in a row.
            lines = lines.enumerated().filter { index, line in
                !(line.isEmpty && index > 0 && lines[index - 1].isEmpty)
            }.map(\.element)
            let body = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            guard let title, !title.isEmpty else { return body }
            return "Title: \(title)\n\n\(body)"
        }

        struct Tag {
            var name: String
            var closing: Bool
            var attributes: [String: String]
        }

        /// The tag at `i` (a `<`), moving past it; a comment or declaration is skipped and read as
        /// an empty tag; nil (and `i` unchanged) when `<` starts no tag and is text.
        mutating func readTag() -> Tag? {
            let start = i
            var j = i + 1
            if j < scalars.count, scalars[j] == "!" || scalars[j] == "?" {
                let isComment = j + 2 < scalars.count && scalars[j + 1] == "-" && scalars[j + 2] == "-"
                i = isComment ? find(["-", "-", ">"], from: j + 3) : find([">"], from: j)
                return Tag(name: "!", closing: false, attributes: [:])
            }
            let closing = j < scalars.count && scalars[j] == "/"
            if closing { j += 1 }
            var name = ""
            while j < scalars.count, scalars[j].properties.isAlphabetic || ("0"..."9").contains(scalars[j]) {
                name.unicodeScalars.append(scalars[j])
                j += 1
            }
            guard !name.isEmpty, name.unicodeScalars.first!.isASCII else {
                i = start
                return nil
            }
            var attributes: [String: String] = [:]
            while j < scalars.count, scalars[j] != ">" {
                if scalars[j] == " " || scalars[j] == "\n" || scalars[j] == "\t" || scalars[j] == "/"
                    || scalars[j] == "\r"
                {
                    j += 1
                    continue
                }
                var key = ""
                while j < scalars.count, !" \t\n\r=>/".unicodeScalars.contains(scalars[j]) {
                    key.unicodeScalars.append(scalars[j])
                    j += 1
                }
                var value = ""
                if j < scalars.count, scalars[j] == "=" {
                    j += 1
                    if j < scalars.count, scalars[j] == "\"" || scalars[j] == "'" {
                        let quote = scalars[j]
                        j += 1
                        while j < scalars.count, scalars[j] != quote {
                            value.unicodeScalars.append(scalars[j])
                            j += 1
                        }
                        j += 1
                    } else {
                        while j < scalars.count, !" \t\n\r>".unicodeScalars.contains(scalars[j]) {
                            value.unicodeScalars.append(scalars[j])
                            j += 1
                        }
                    }
                }
                if !key.isEmpty { attributes[key.lowercased()] = HTMLText.decodeEntities(value) }
            }
            i = min(j + 1, scalars.count)
            return Tag(name: name.lowercased(), closing: closing, attributes: attributes)
        }

        /// The index just past the first `needle` at or after `from`, or the end.
        func find(_ needle: [Unicode.Scalar], from: Int) -> Int {
            var k = from
            while k + needle.count <= scalars.count {
                if scalars[k] == needle[0], Array(scalars[k..<(k + needle.count)]) == needle { return k + needle.count }
                k += 1
            }
            return scalars.count
        }

        /// The index of the `<` of `</name`, case-insensitively, at or after `i`, or the end.
        func closingTag(_ name: String) -> Int {
            let needle = Array(("</" + name).unicodeScalars)
            var k = i
            while k + needle.count <= scalars.count {
                if scalars[k] == "<",
                    String(String.UnicodeScalarView(scalars[k..<(k + needle.count)])).lowercased() == "</" + name
                {
                    return k
                }
                k += 1
            }
            return scalars.count
        }

        mutating func handle(_ tag: Tag) {
            let name = tag.name
            if name == "!" { return }
            if !tag.closing && name == "title" && title == nil {
                let end = closingTag("title")
                let raw = String(String.UnicodeScalarView(scalars[i..<end]))
                title = HTMLText.decodeEntities(raw).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                i = end
                return
            }
            if !tag.closing && HTMLText.skipped.contains(name) {
                i = closingTag(name)
                return
            }
            switch name {
            case "br": newline(1)
            case "li": newline(1); if !tag.closing { append("- ") }
            case "h1", "h2", "h3", "h4", "h5", "h6":
                newline(2)
                if !tag.closing { append(String(repeating: "#", count: Int(String(name.dropFirst())) ?? 1) + " ") }
            case "td", "th": if !tag.closing, let last = out.last, last != "\n" { append(" | ") }
            case "pre":
                newline(2)
                preformatted = max(0, preformatted + (tag.closing ? -1 : 1))
            case "a":
                if !tag.closing, let href = tag.attributes["href"] {
                    link = (href, out.count)
                } else if tag.closing, let current = link {
                    link = nil
                    if let address = resolve(current.href) {
                        let text = String(String.UnicodeScalarView(out.dropFirst(current.textStart)))
                        if !text.contains(address) { append(" (\(address))") }
                    }
                }
            case "img":
                if let alt = tag.attributes["alt"], !alt.isEmpty { append("[image: \(alt)]") }
            default:
                if HTMLText.blocks.contains(name) { newline(name == "p" || name == "blockquote" ? 2 : 1) }
            }
        }

        /// An `http` or `https` link address, resolved against the page's.
        func resolve(_ href: String) -> String? {
            let trimmed = href.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let url = URL(string: trimmed, relativeTo: base),
                let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
            else { return nil }
            return url.absoluteString
        }

        mutating func emit(_ raw: String.UnicodeScalarView) {
            guard !raw.isEmpty else { return }
            let text = HTMLText.decodeEntities(String(raw))
            if preformatted > 0 {
                out += text.unicodeScalars
                pendingSpace = false
                return
            }
            for scalar in text.unicodeScalars {
                if scalar.properties.isWhitespace {
                    pendingSpace = true
                } else {
                    if pendingSpace, let last = out.last, last != "\n", last != " " { out.append(" ") }
                    pendingSpace = false
                    out.append(scalar)
                }
            }
        }

        mutating func append(_ text: String) {
            if pendingSpace, let last = out.last, last != "\n", last != " " { out.append(" ") }
            pendingSpace = false
            out += text.unicodeScalars
        }

        /// Ends the current line, leaving `count` line breaks (none at the very start).
        mutating func newline(_ count: Int) {
            pendingSpace = false
            guard !out.isEmpty else { return }
            let existing = out.reversed().prefix { $0 == "\n" }.count
            if existing < count { out += Array(repeating: "\n", count: count - existing) }
        }
    }
}
