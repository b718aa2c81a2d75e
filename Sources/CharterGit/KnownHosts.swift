import Foundation

/// A minimal OpenSSH known_hosts matcher, for `GitAuth.HostKeyPolicy.knownHosts(file:)`.
///
/// Compares the raw host key (the wire-format blob libssh2 hands over) with each matching line's base64 key.
/// Hashed host names (`|1|salt|hash`) need HMAC-SHA1, which this module does not link, so they never match.
struct KnownHosts {
    enum Verdict: Equatable {
        case trusted
        case revoked
        case unknown
    }

    private struct Entry {
        var marker: String?
        var patterns: [Substring]
        var key: Data
    }

    private let entries: [Entry]

    init(contents: String) {
        entries = contents.split(whereSeparator: \.isNewline).compactMap { line in
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = fields.first, !first.hasPrefix("#") else { return nil }
            var marker: String?
            if first.hasPrefix("@") {
                marker = String(first)
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Data(base64Encoded: String(fields[2])) else { return nil }
            return Entry(marker: marker, patterns: fields[0].split(separator: ","), key: key)
        }
    }

    func verdict(host name: String, key: Data) -> Verdict {
        var trusted = false
        for entry in entries where entry.key == key && Self.matches(name, entry.patterns) {
            switch entry.marker {
            case "@revoked": return .revoked
            case nil: trusted = true
            default: continue  // @cert-authority: certificates are not supported
            }
        }
        return trusted ? .trusted : .unknown
    }

    private static func matches(_ name: String, _ patterns: [Substring]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if glob(pattern.dropFirst(), name.lowercased()) { return false }
            } else if glob(pattern, name.lowercased()) {
                matched = true
            }
        }
        return matched
    }

    /// `*` and `?` wildcards, as in ssh(1)'s host patterns.
    private static func glob(_ pattern: Substring, _ text: String) -> Bool {
        let pattern = Array(pattern.lowercased().utf8)
        let text = Array(text.utf8)
        var (p, t, star, mark) = (0, 0, -1, 0)
        while t < text.count {
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                (p, t) = (p + 1, t + 1)
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                (star, mark, p) = (p, t, p + 1)
            } else if star >= 0 {
                (p, mark) = (star + 1, mark + 1)
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
