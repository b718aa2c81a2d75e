/// Where an address sits: on the public internet, or in one of the special-purpose ranges (IANA's
/// special-purpose registries, RFC 6890) that a sandboxed step must not reach unless a Policy names
/// the address.
///
/// The non-public ranges are where a DNS name can point to attack the controller's machine or its
/// network: loopback, the private networks, and cloud metadata services (169.254.169.254 and
/// Alibaba's 100.100.100.200).
public enum AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// Reachable on the public internet: none of the ranges below.
    case `public`
    /// 0.0.0.0/8 and `::`: "this host"; connecting to it reaches the local machine.
    case unspecified
    /// 127.0.0.0/8 and `::1`.
    case loopback
    /// 10/8, 172.16/12, 192.168/16 and IPv6 unique-local fc00::/7 (and local-use NAT64 64:ff9b:1::/48).
    case privateNetwork
    /// 169.254/16 (cloud metadata services) and fe80::/10.
    case linkLocal
    /// 100.64/10, the carrier-grade NAT range (Alibaba Cloud's metadata service is in it).
    case sharedAddressSpace
    /// 224/4 and ff00::/8.
    case multicast
    /// 240/4 and, in IPv6, everything outside 2000::/3 that no other case names.
    case reserved
    /// 255.255.255.255.
    case broadcast
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 and 3fff::/20.
    case documentation
    /// 198.18/15 and 2001:2::/48.
    case benchmarking
    /// 192.0.0/24 and the rest of 2001::/23 (IETF protocol assignments).
    case protocolAssignments
    /// 100::/64, the discard-only prefix.
    case discardOnly
    /// 2001::/32, Teredo tunnels: the real destination is hidden in the address.
    case teredo

    /// Whether the range is the public internet.
    public var isPublic: Bool { self == .public }

    /// A short name for messages, with a word on why it matters where that helps.
    public var description: String {
        switch self {
        case .public: "public"
        case .unspecified: "unspecified (it reaches this machine)"
        case .loopback: "loopback (this machine)"
        case .privateNetwork: "in a private network"
        case .linkLocal: "link-local (cloud metadata lives there)"
        case .sharedAddressSpace: "in the shared CGNAT range (Alibaba Cloud metadata lives there)"
        case .multicast: "multicast"
        case .reserved: "reserved"
        case .broadcast: "the broadcast address"
        case .documentation: "reserved for documentation"
        case .benchmarking: "reserved for benchmarking"
        case .protocolAssignments: "reserved for IETF protocol assignments"
        case .discardOnly: "in the discard-only range"
        case .teredo: "a Teredo tunnel address"
        }
    }
}

extension IPAddress {
    /// The range this address is in. IPv6 addresses that embed an IPv4 address (IPv4-mapped,
    /// IPv4-compatible, NAT64, 6to4) are classified by that IPv4 address, since that is the host
    /// they lead to.
    public var range: AddressRange {
        if bytes.count == 4 { return Self.range(ofIPv4: bytes) }
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
        if let v4 = embeddedIPv4 { return Self.range(ofIPv4: v4.bytes) }
        for (network, length, range) in Self.ipv6Ranges where hasPrefix(network, length: length) { return range }
        // Only 2000::/3 is allocated for global unicast; the rest of the space is not reachable
        // on the internet, so it is not treated as public.
        return bytes[0] & 0xE0 == 0x20 ? .public : .reserved
    }

    /// Whether the address is on the public internet.
    public var isPublic: Bool { range.isPublic }

    private static func range(ofIPv4 b: [UInt8]) -> AddressRange {
        let address = IPAddress(bytes: b)!
        for (network, length, range) in ipv4Ranges where address.hasPrefix(network, length: length) { return range }
        return .public
    }

    /// Most specific first: 255.255.255.255 before 240/4.
    private static let ipv4Ranges: [(IPAddress, Int, AddressRange)] = [
        (.v4(0, 0, 0, 0), 8, .unspecified),
        (.v4(127, 0, 0, 0), 8, .loopback),
        (.v4(10, 0, 0, 0), 8, .privateNetwork),
        (.v4(172, 16, 0, 0), 12, .privateNetwork),
        (.v4(192, 168, 0, 0), 16, .privateNetwork),
        (.v4(169, 254, 0, 0), 16, .linkLocal),
        (.v4(100, 64, 0, 0), 10, .sharedAddressSpace),
        (.v4(224, 0, 0, 0), 4, .multicast),
        (.v4(255, 255, 255, 255), 32, .broadcast),
        (.v4(240, 0, 0, 0), 4, .reserved),
        (.v4(192, 0, 2, 0), 24, .documentation),
        (.v4(198, 51, 100, 0), 24, .documentation),
        (.v4(203, 0, 113, 0), 24, .documentation),
        (.v4(198, 18, 0, 0), 15, .benchmarking),
        (.v4(192, 0, 0, 0), 24, .protocolAssignments),
    ]

    /// Most specific first: Teredo and the benchmarking block inside 2001::/23.
    private static let ipv6Ranges: [(IPAddress, Int, AddressRange)] = [
        (IPAddress("fc00::")!, 7, .privateNetwork),
        (IPAddress("64:ff9b:1::")!, 48, .privateNetwork),
        (IPAddress("fe80::")!, 10, .linkLocal),
        (IPAddress("ff00::")!, 8, .multicast),
        (IPAddress("2001:db8::")!, 32, .documentation),
        (IPAddress("3fff::")!, 20, .documentation),
        (IPAddress("100::")!, 64, .discardOnly),
        (IPAddress("2001::")!, 32, .teredo),
        (IPAddress("2001:2::")!, 48, .benchmarking),
        (IPAddress("2001::")!, 23, .protocolAssignments),
    ]
}
