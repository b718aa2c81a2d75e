/// An IPv4 or IPv6 network in CIDR notation: `10.0.0.0/8`, `fd00::/8`, or one address
/// (`127.0.0.1`, `::1`, the same as `/32` and `/128`).
///
/// Written strictly, as in a Kubernetes NetworkPolicy's `ipBlock.cidr`: four decimal octets or
/// RFC 4291 text, no brackets, and no bits set after the prefix (`10.0.0.1/8` is refused with the
/// network it probably means), so a list of networks reads as what it allows.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network's first address (every bit after the prefix clear).
    public let address: IPAddress
    /// The prefix length: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int

    /// The network `address/prefixLength`.
    /// - Throws: ``IPNetworkError`` when the length is too long for the family or `address` has
    ///   bits set after the prefix.
    public init(address: IPAddress, prefixLength: Int) throws(IPNetworkError) {
        let bits = address.bytes.count * 8
        guard (0...bits).contains(prefixLength) else {
            throw IPNetworkError(
                "the prefix length \(prefixLength) is longer than \(bits)", hint: "use a length from 0 to \(bits)")
        }
        let base = address.masked(to: prefixLength)
        guard base == address else {
            throw IPNetworkError(
                "`\(address)/\(prefixLength)` has bits set after the prefix",
                hint: "did you mean `\(base)/\(prefixLength)`?")
        }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `ipv6/n`.
    /// - Throws: ``IPNetworkError`` saying what is wrong.
    public init(_ text: String) throws(IPNetworkError) {
        let pieces = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(pieces[0])) else {
            throw IPNetworkError(
                "`\(Excerpt.cut(String(pieces[0])))` is not an IPv4 address in dotted-quad form or an IPv6 address",
                hint: "write a network such as `10.0.0.0/8`, `127.0.0.1/32` or `fd00::/8`")
        }
        var length = address.bytes.count * 8
        if pieces.count == 2 {
            let digits = pieces[1]
            guard (1...3).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                digits.utf8.count == 1 || digits.first != "0", let value = Int(digits)
            else {
                throw IPNetworkError(
                    "`\(Excerpt.cut(text))` has no valid prefix length", hint: "write e.g. `10.0.0.0/8` or `fd00::/8`")
            }
            length = value
        }
        try self.init(address: address, prefixLength: length)
    }

    /// Whether `candidate` is in the network; an IPv6 address leading to an IPv4 host (see
    /// ``IPAddress/embeddedIPv4``) is in an IPv4 network holding that host.
    public func contains(_ candidate: IPAddress) -> Bool {
        if candidate.hasPrefix(address, length: prefixLength) { return true }
        return candidate.embeddedIPv4.map { $0.hasPrefix(address, length: prefixLength) } ?? false
    }

    /// Whether the network is exactly the one address `candidate` (or the IPv4 host it leads to).
    public func isExactly(_ candidate: IPAddress) -> Bool {
        guard prefixLength == address.bytes.count * 8 else { return false }
        return address == candidate || address == candidate.embeddedIPv4
    }

    /// `10.0.0.0/8`, `fd00::/8`.
    public var description: String { "\(address)/\(prefixLength)" }
}

/// Why a text is not a network.
public struct IPNetworkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// What to write instead.
    public var hint: String

    /// An error saying `message`, with `hint`.
    public init(_ message: String, hint: String) {
        self.message = message
        self.hint = hint
    }

    public var description: String { message }
}
