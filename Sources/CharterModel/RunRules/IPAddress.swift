/// An IPv4 or IPv6 address, parsed strictly from its standard text form.
///
/// Only the forms people write on purpose are accepted: four decimal octets for IPv4, the RFC 4291
/// text form for IPv6. The legacy forms `inet_aton` still takes (`127.1`, `0x7f.0.0.1`,
/// `2852039166`, octal `0177.0.0.1`) are refused: a rule or a check that accepted them would read
/// an address differently from the resolver that later connects to it. Where a host must be read
/// the way a URL parser reads it — to refuse what it reaches — ``parseAnyIPv4(_:)`` takes them all.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Whether this is an IPv4 address (4 bytes).
    public var isIPv4: Bool { bytes.count == 4 }

    /// Wraps 4 (IPv4) or 16 (IPv6) bytes in network order, as `getaddrinfo` returns them; nil for
    /// any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses `1.2.3.4` or an IPv6 address such as `2001:db8::1` or `::ffff:1.2.3.4` (no brackets,
    /// no zone); nil for anything else.
    public init?(_ text: String) {
        guard text.utf8.count <= 45 else { return nil }  // the longest IPv6 text form
        if let v4 = Self.parseIPv4(Substring(text)) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            bytes = v6
        } else {
            return nil
        }
    }

    /// The IPv4 address `a.b.c.d`.
    public static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress {
        IPAddress(bytes: [a, b, c, d])!
    }

    /// Whether the first `length` bits equal those of `network` (same family only).
    public func hasPrefix(_ network: IPAddress, length: Int) -> Bool {
        guard network.bytes.count == bytes.count, length >= 0, length <= bytes.count * 8 else { return false }
        var remaining = length
        for (mine, theirs) in zip(bytes, network.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            guard mine & mask == theirs & mask else { return false }
            remaining -= bits
        }
        return true
    }

    /// The address with every bit after the first `length` cleared.
    public func masked(to length: Int) -> IPAddress {
        var copy = bytes
        for index in copy.indices {
            let kept = max(0, min(8, length - index * 8))
            copy[index] &= UInt8(truncatingIfNeeded: 0xFF << (8 - kept))
        }
        return IPAddress(bytes: copy)!
    }

    /// The IPv4 address an IPv6 address carries in its last or middle bytes, for the forms that lead
    /// to that IPv4 host: IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d` (but not `::` or
    /// `::1`), NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:AABB:CCDD::/48`. Nil for IPv4 and other IPv6.
    public var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        let last4 = IPAddress(bytes: bytes[12..<16])!
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return last4 }
        if bytes[0..<12].allSatisfy({ $0 == 0 }) && !bytes[12..<15].allSatisfy({ $0 == 0 }) { return last4 }
        if hasPrefix(Self.nat64, length: 96) { return last4 }
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return IPAddress(bytes: bytes[2..<6]) }
        return nil
    }

    /// The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else the address itself:
    /// the two reach the same host, so connections and comparisons use the IPv4 form.
    public var unmapped: IPAddress {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else {
            return self
        }
        return IPAddress(bytes: bytes[12..<16])!
    }

    /// `1.2.3.4`, or IPv6 in RFC 5952 form (lowercase, the longest run of zero groups as `::`,
    /// IPv4-mapped addresses as `::ffff:1.2.3.4`).
    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        if let v4 = embeddedIPv4, v4 == unmapped { return "::ffff:\(v4)" }
        let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
        // The longest run of at least two zero groups (the first one on a tie) becomes `::`.
        var best = (start: -1, length: 0)
        var index = 0
        while index < groups.count {
            var end = index
            while end < groups.count && groups[end] == 0 { end += 1 }
            if end - index > best.length { best = (index, end - index) }
            index = end + 1
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    static let nat64 = IPAddress(bytes: [0, 0x64, 0xFF, 0x9B] + [UInt8](repeating: 0, count: 12))!

    /// Four decimal octets 0–255, no leading zeros, no sign, no other characters.
    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        for part in parts {
            let digits = Array(part.utf8)
            guard (1...3).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            guard digits.count == 1 || digits[0] != 0x30 else { return nil }  // 010 would be octal to inet_aton
            let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard value <= 255 else { return nil }
            result.append(UInt8(value))
        }
        return result
    }

    /// What ``parseAnyIPv4(_:)`` makes of a host.
    public enum LenientIPv4: Sendable, Hashable {
        /// The host does not end in a number: it is a name, for a resolver to look up.
        case name
        /// An IPv4 address in one of the spellings below.
        case address(IPAddress)
        /// The host ends in a number but is no IPv4 address in any spelling: a URL parser refuses
        /// it, a resolver might still look it up, so nothing can tell what it reaches.
        case malformed
    }

    /// Reads `host` as every URL parser and resolver that may see it would, so a check on the
    /// result holds for whichever one connects: the WHATWG URL standard's IPv4 parser, which also
    /// takes what `inet_aton` takes.
    ///
    /// A host whose last label (after one trailing dot) is a number — decimal digits, or `0x` and
    /// hex digits — is an IPv4 address: one to four parts separated by dots, each decimal, octal
    /// with a leading `0`, or hex with `0x`; the last part fills the remaining bytes. So
    /// `2852039166`, `0xA9FEA9FE`, `0251.0376.0251.0376`, `169.254.43518` and `169.254.169.254.`
    /// are all 169.254.169.254. Anything else ending in a number (`1.2.3.4.5`, `08.1`,
    /// `example.0x1`) is ``LenientIPv4/malformed``.
    public static func parseAnyIPv4(_ host: String) -> LenientIPv4 {
        var parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count > 1, parts.last!.isEmpty { parts.removeLast() }
        guard let last = parts.last, isNumberLabel(last) else { return .name }
        guard parts.count <= 4 else { return .malformed }
        var numbers: [UInt64] = []
        for part in parts {
            guard let value = legacyNumber(part) else { return .malformed }
            numbers.append(value)
        }
        guard numbers.dropLast().allSatisfy({ $0 <= 255 }) else { return .malformed }
        let lastLimit = UInt64(1) << (8 * (5 - numbers.count))
        guard numbers.last! < lastLimit else { return .malformed }
        var value = numbers.last!
        for (index, number) in numbers.dropLast().enumerated() { value += number << (8 * (3 - index)) }
        return .address(
            .v4(UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)))
    }

    /// Whether a label is a number in the WHATWG sense: decimal digits, or `0x` and hex digits.
    private static func isNumberLabel(_ label: Substring) -> Bool {
        let u = Array(label.utf8)
        guard !u.isEmpty else { return false }
        if u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return true }
        guard u.count >= 2, u[0] == 0x30, u[1] | 0x20 == UInt8(ascii: "x") else { return false }
        return u[2...].allSatisfy(\.isASCIIHexDigit)
    }

    /// One part: `0x…` hex (empty digits are 0), `0…` octal, else decimal; nil for anything else
    /// or a value beyond 32 bits.
    private static func legacyNumber(_ part: Substring) -> UInt64? {
        var u = Array(part.utf8)
        guard !u.isEmpty else { return nil }
        var radix: UInt64 = 10
        if u.count >= 2, u[0] == 0x30, u[1] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            u.removeFirst(2)
        } else if u.count >= 2, u[0] == 0x30 {
            radix = 8
            u.removeFirst()
        }
        var value: UInt64 = 0
        for b in u {
            let digit: UInt64
            switch b {
            case 0x30...0x39: digit = UInt64(b - 0x30)
            case 0x41...0x46: digit = UInt64(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt64(b - 0x61 + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            value = value * radix + digit
            guard value <= UInt64(UInt32.max) else { return nil }
        }
        return value
    }

    /// RFC 4291 §2.2: up to eight groups of 1–4 hex digits, at most one `::`, optionally ending in
    /// a dotted quad that stands for the last two groups.
    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        let compressed = halves.count == 2
        func groups(_ half: String, last: Bool) -> [UInt16]? {
            if half.isEmpty { return [] }
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (index, part) in parts.enumerated() {
                if last && index == parts.count - 1 && part.contains(".") {
                    guard let v4 = parseIPv4(part) else { return nil }
                    result += [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                    continue
                }
                guard (1...4).contains(part.utf8.count), part.utf8.allSatisfy({ $0.isASCIIHexDigit }),
                    let value = UInt16(part, radix: 16)
                else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0], last: !compressed) else { return nil }
        let tail = compressed ? groups(halves[1], last: true) : []
        guard let tail else { return nil }
        let count = head.count + tail.count
        guard compressed ? count <= 7 : count == 8 else { return nil }
        let all = head + [UInt16](repeating: 0, count: 8 - count) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

extension UInt8 {
    fileprivate var isASCIIHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
