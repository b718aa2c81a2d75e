/// The string patterns resources use, each a JSON Schema regex plus an equivalent fast matcher.
public enum Patterns {
    @inline(__always) static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 65 && c <= 90) }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`: resource and step names (their schema also caps the length at 63).
    public static func isName(_ s: String) -> Bool {
        let u = s.utf8
        guard !u.isEmpty, isLowerAlnum(u.first!), isLowerAlnum(u.last!) else { return false }
        return u.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    public static let name = Pattern(
        regex: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        expectation: "a valid name: lower-case letters, digits and '-', starting and ending with a letter or digit",
        matches: isName)

    /// Secret name patterns of a Policy: a name in which `*` matches any run of characters.
    public static let namePattern = Pattern(
        regex: "^[a-z0-9*][-a-z0-9*]*$",
        expectation: "a name or a pattern of lower-case letters, digits, '-' and '*'"
    ) { s in
        let u = s.utf8
        guard let f = u.first, isLowerAlnum(f) || f == UInt8(ascii: "*") else { return false }
        return u.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "*") }
    }

    /// Parameter names and environment-style identifiers: `[A-Za-z_][A-Za-z0-9_]*`.
    public static let identifier = Pattern(
        regex: "^[A-Za-z_][A-Za-z0-9_]*$",
        expectation: "an identifier (letters, digits and '_', not starting with a digit)"
    ) { s in
        let u = Array(s.utf8)
        guard let f = u.first, isAlnum(f) && !(f >= 48 && f <= 57) || f == UInt8(ascii: "_") else { return false }
        return u.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") }
    }

    /// Label keys: an optional DNS prefix and `/`, then a name of letters, digits, `-`, `_`, `.`.
    public static let labelKey = Pattern(
        regex: "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
        expectation: "a label key such as `tier` or `example.com/tier`"
    ) { s in
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        if parts.count == 2 {
            let p = Array(parts[0].utf8)
            guard let f = p.first, let l = p.last, isLowerAlnum(f), isLowerAlnum(l),
                p.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
            else { return false }
        }
        let n = Array(parts.last!.utf8)
        guard let f = n.first, let l = n.last, isAlnum(f), isAlnum(l) else { return false }
        return n.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    /// Durations such as `30s`, `5m`, `1h30m`, `2d`, `250ms`.
    public static let duration = Pattern(
        regex: "^([0-9]{1,9}(ms|s|m|h|d))+$", expectation: "a duration such as `30s`, `5m`, `1h30m` or `2d`"
    ) { DurationText.parse($0) != nil }

    /// An e-mail address: something, `@`, a domain with a dot.
    public static let email = Pattern(
        regex: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", expectation: "an e-mail address such as `ada@example.com`"
    ) { s in
        guard !hasECMASpace(s) else { return false }
        let u = Array(s.utf8)
        guard let at = u.firstIndex(of: UInt8(ascii: "@")), at > 0 else { return false }
        let domain = u[(at + 1)...]
        guard !domain.contains(UInt8(ascii: "@")), domain.count >= 3 else { return false }
        // Mirrors the regex: some '.' in the domain with at least one character on each side.
        return domain.dropFirst().dropLast().contains(UInt8(ascii: "."))
    }

    /// Whether `s` contains what ECMA-262's `\\s` matches; bytes first, scalars only for non-ASCII text.
    static func hasECMASpace(_ s: String) -> Bool {
        var ascii = true
        for c in s.utf8 {
            if c == 0x20 || (c >= 0x09 && c <= 0x0D) { return true }
            if c >= 0x80 { ascii = false }
        }
        if ascii { return false }
        return s.unicodeScalars.contains { u in
            switch u.value {
            case 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
            default: return false
            }
        }
    }

    /// An OpenSSH ed25519 public key line: `ssh-ed25519 AAAA… [comment]`.
    public static let sshEd25519 = Pattern(
        regex: "^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/]+={0,2}( .*)?$",
        expectation: "an OpenSSH ed25519 public key (`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5… comment`)"
    ) { s in
        let u = Array(s.utf8)
        let prefix = Array("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5".utf8)
        guard u.count > prefix.count, u[..<prefix.count].elementsEqual(prefix) else { return false }
        var i = prefix.count
        let bodyStart = i
        while i < u.count, isAlnum(u[i]) || u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "/") { i += 1 }
        guard i > bodyStart else { return false }
        var padding = 0
        while i < u.count, u[i] == UInt8(ascii: "="), padding < 2 {
            i += 1
            padding += 1
        }
        guard i < u.count else { return true }
        guard u[i] == UInt8(ascii: " ") else { return false }
        // The regex's `.` stops at line terminators: \n, \r, U+2028 and U+2029 (E2 80 A8/A9).
        for j in (i + 1)..<u.count {
            if u[j] == 0x0A || u[j] == 0x0D { return false }
            if u[j] == 0xE2, j + 2 < u.count, u[j + 1] == 0x80, u[j + 2] == 0xA8 || u[j + 2] == 0xA9 { return false }
        }
        return true
    }

    /// An `http://` or `https://` base URL: a host, an optional port from 1 to 65535, a path; no
    /// user-info, query or fragment (``HTTPEndpoint``).
    public static let httpURL = Pattern(
        regex: HTTPEndpoint.regex,
        expectation:
            "an http:// or https:// URL with a host, an optional port from 1 to 65535 and a path, without user, password, query or fragment"
    ) { HTTPEndpoint.problem($0) == nil }

    /// A host as an ``HTTPEndpoint`` holds one: a DNS name or IPv4 address of letters, digits,
    /// `.`, `-` and `_`, or an IPv6 address in brackets (an SMTP server's `host`).
    public static let host = Pattern(
        regex: "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)$",
        expectation: "a DNS name or an address, such as `smtp.example.com`, `192.0.2.7` or `[2001:db8::7]`"
    ) { s in
        let u = Array(s.utf8)
        guard !u.isEmpty else { return false }
        if u.first == UInt8(ascii: "[") {
            return u.count > 2 && u.last == UInt8(ascii: "]") && u.dropFirst().dropLast().allSatisfy(\.isHexOrSeparator)
        }
        return u.allSatisfy(HTTPEndpoint.isHostByte)
    }

    /// An IPv4 or IPv6 network in CIDR notation, or one address (``IPNetwork``). The regex admits
    /// the characters; the loader checks the rest (octets, groups, bits after the prefix).
    public static let cidr = Pattern(
        regex: "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$",
        expectation: "an IPv4 or IPv6 network in CIDR notation, such as `127.0.0.0/8` or `fd00::/8`"
    ) { text in
        let u = text.utf8
        guard !u.isEmpty else { return false }
        let slash = u.firstIndex(of: UInt8(ascii: "/"))
        let head = u[..<(slash ?? u.endIndex)]
        guard !head.isEmpty, head.allSatisfy({ $0.isHexOrSeparator }) else { return false }
        guard let slash else { return true }
        let digits = u[u.index(after: slash)...]
        return (1...3).contains(digits.count) && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// Tool names and tool name patterns (`files.read`, `mcp.git.*`, `git_*`): printable ASCII
    /// without spaces; `*` matches any run of characters.
    public static let toolPattern = Pattern(
        regex: "^[!-~]+$",
        expectation:
            "a tool name or pattern of printable ASCII characters without spaces, such as `files.read` or `mcp.git.*`"
    ) { s in !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E } }

    /// An IANA time zone identifier's shape; the loader also checks the zone exists.
    public static let timeZone = Pattern(
        regex: "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$", expectation: "an IANA time zone such as `Europe/Berlin`"
    ) { s in
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard let first = parts.first?.utf8.first, isAlnum(first), !(first >= 48 && first <= 57) else { return false }
        return parts.allSatisfy { p in
            !p.isEmpty
                && p.utf8.allSatisfy {
                    isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
                }
        }
    }

    /// A field path glob for policy rules: a JSON pointer whose tokens may be `*`.
    public static let fieldPath = Pattern(regex: "^(/[^/]+)+$", expectation: "a field path such as `/spec/members`") {
        $0.hasPrefix("/")
            && $0.split(separator: "/", omittingEmptySubsequences: false).dropFirst().allSatisfy { !$0.isEmpty }
    }
}

/// A parsed duration string such as `1h30m`.
public enum DurationText {
    /// Milliseconds in a duration string, or nil if it is not one.
    public static func parse(_ s: String) -> Int? {
        let u = Array(s.utf8)
        guard !u.isEmpty else { return nil }
        var i = 0
        var total = 0
        while i < u.count {
            var n = 0
            let start = i
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                n = n &* 10 &+ Int(u[i] - 48)
                i += 1
                // At most nine digits per component, as the schema's `[0-9]{1,9}` says.
                guard i - start <= 9 else { return nil }
            }
            guard i > start, i < u.count else { return nil }
            let unit: Int
            switch u[i] {
            case UInt8(ascii: "m"):
                if i + 1 < u.count, u[i + 1] == UInt8(ascii: "s") {
                    unit = 1
                    i += 1
                } else {
                    unit = 60_000
                }
            case UInt8(ascii: "s"): unit = 1000
            case UInt8(ascii: "h"): unit = 3_600_000
            case UInt8(ascii: "d"): unit = 86_400_000
            default: return nil
            }
            i += 1
            total = min(total &+ n &* unit, Int.max / 2)
        }
        return total
    }
}

extension UInt8 {
    fileprivate var isHexOrSeparator: Bool {
        (self >= 48 && self <= 57) || (self >= 65 && self <= 70) || (self >= 97 && self <= 102)
            || self == UInt8(ascii: ":") || self == UInt8(ascii: ".")
    }
}
