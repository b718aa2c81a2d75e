import CharterFoundation

/// The host of a URL a repository gives (a CapacitySource `endpoint`, a ToolServer `url`), read
/// the way the HTTP stack that connects to it would read it.
public enum EndpointHost: Sendable, Hashable, CustomStringConvertible {
    /// An IP literal in any spelling a URL parser or `inet_aton` takes, normalized.
    case address(IPAddress)
    /// A DNS name, lowercase, without a trailing dot; what it reaches is known only once resolved.
    case name(String)

    /// Reads `host` as ``HTTPEndpoint/host`` holds it: `[IPv6]`, an IPv4 address in any of the
    /// spellings ``IPAddress/parseAnyIPv4(_:)`` takes, or a name.
    /// - Throws: ``OutboundRefusal`` for a host no parser reads the same way: one that ends in a
    ///   number but is no address, an IPv6 address that does not parse, an empty label.
    public init(_ host: String) throws(OutboundRefusal) {
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), let address = IPAddress(String(host.dropFirst().dropLast())), !address.isIPv4
            else {
                throw OutboundRefusal(
                    "the host `\(Excerpt.cut(host))` is not an IPv6 address",
                    hint: "write an IPv6 address in brackets, such as `[2001:db8::1]`, without a zone")
            }
            self = .address(address)
            return
        }
        switch IPAddress.parseAnyIPv4(host) {
        case .address(let address):
            self = .address(address)
        case .malformed:
            throw OutboundRefusal(
                "the host `\(Excerpt.cut(host))` ends in a number but is no IPv4 address, so URL parsers and resolvers read it differently",
                hint: "write an address as four decimal numbers, such as `203.0.113.7`, or a DNS name")
        case .name:
            var name = host.lowercased()
            if name.hasSuffix(".") { name.removeLast() }
            guard !name.isEmpty,
                !name.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
            else {
                throw OutboundRefusal(
                    "the host `\(Excerpt.cut(host))` has an empty label",
                    hint: "write a DNS name such as `api.example.com`")
            }
            self = .name(name)
        }
    }

    /// The addresses a name stands for without asking DNS: `localhost` and its kin are this
    /// machine (RFC 6761), the cloud metadata names are the metadata service. Empty for other
    /// names, whose addresses only the resolver knows.
    public var knownAddresses: [IPAddress] {
        switch self {
        case .address(let address): return [address]
        case .name(let name):
            if Self.loopbackNames.contains(name) || name.hasSuffix(".localhost") {
                return [.v4(127, 0, 0, 1), IPAddress("::1")!]
            }
            return Self.metadataNames[name].map { [$0] } ?? []
        }
    }

    /// Names every resolver maps to this machine.
    static let loopbackNames: Set<String> = [
        "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localhost6", "localhost6.localdomain6",
    ]

    /// Names of cloud metadata services, with the address each stands for: Google Cloud's (also
    /// reached as plain `metadata` through its search domain), AWS's `instance-data`, Tencent's.
    static let metadataNames: [String: IPAddress] = [
        "metadata": .v4(169, 254, 169, 254),
        "metadata.google.internal": .v4(169, 254, 169, 254),
        "metadata.goog": .v4(169, 254, 169, 254),
        "instance-data": .v4(169, 254, 169, 254),
        "instance-data.ec2.internal": .v4(169, 254, 169, 254),
        "metadata.tencentyun.com": .v4(169, 254, 0, 23),
    ]

    /// The address as a URL writes it (IPv6 in brackets), or the name.
    public var description: String {
        switch self {
        case .address(let address): address.isIPv4 ? "\(address)" : "[\(address)]"
        case .name(let name): name
        }
    }
}

/// Where the controller itself may send requests a repository asks for: CapacitySource endpoints
/// and ToolServer URLs. Public addresses, plus the networks the Organization lists in
/// `spec.endpoints.allowCIDRs`.
///
/// A repository that could point an endpoint at loopback, a private network or a cloud metadata
/// service would turn the controller into a proxy into its own network (server-side request
/// forgery); the credential it sends, or the answer it quotes back into a transcript, would leak.
/// Cloud metadata services hand out the machine's own cloud credentials, so their addresses stay
/// refused even inside an allowed network, unless an entry names the address alone (`/32`,
/// `/128`).
public struct OutboundAddressRules: Sendable, Hashable {
    /// The non-public networks the Organization allows.
    public var allowed: [IPNetwork]

    /// Public addresses only.
    public static let publicOnly = OutboundAddressRules(allowed: [])

    /// Rules allowing the public internet and `allowed`.
    public init(allowed: [IPNetwork]) { self.allowed = allowed }

    /// The rules an Organization sets (public only without one).
    public init(organization: Organization?) { self.init(allowed: organization?.endpointNetworks ?? []) }

    /// The addresses of cloud metadata services: AWS, Azure, Google Cloud, Oracle and others at
    /// 169.254.169.254 (AWS also at fd00:ec2::254), ECS task credentials at 169.254.170.2, EKS Pod
    /// Identity at 169.254.170.23 and fd00:ec2::23, Tencent at 169.254.0.23, Alibaba at
    /// 100.100.100.200, and Azure's WireServer at 168.63.129.16, which is a public address.
    public static let metadataAddresses: [IPAddress] = [
        .v4(169, 254, 169, 254), .v4(169, 254, 170, 2), .v4(169, 254, 170, 23), .v4(169, 254, 0, 23),
        .v4(100, 100, 100, 200), .v4(168, 63, 129, 16), IPAddress("fd00:ec2::254")!, IPAddress("fd00:ec2::23")!,
    ]

    /// Whether `address` (or the IPv4 host it leads to) is a cloud metadata service.
    public static func isMetadata(_ address: IPAddress) -> Bool {
        let target = address.embeddedIPv4 ?? address
        return metadataAddresses.contains(target)
    }

    /// Why a request to `url` must not be sent, before any name is resolved: the URL is not an
    /// ``HTTPEndpoint``, or its host is an address (in any spelling) or a well-known name outside
    /// what these rules allow. Nil when it may be sent (a name may still resolve to a refused
    /// address: see ``refusal(resolved:host:)``).
    public func refusal(url: String) -> OutboundRefusal? {
        let endpoint: HTTPEndpoint
        do throws(HTTPEndpointError) {
            endpoint = try HTTPEndpoint(url)
        } catch {
            return OutboundRefusal(error.message, hint: "give an http:// or https:// base URL")
        }
        return refusal(host: endpoint.host)
    }

    /// Why a URL with `host` (as ``HTTPEndpoint/host`` holds it) must not be sent, or nil.
    public func refusal(host: String) -> OutboundRefusal? {
        let parsed: EndpointHost
        do throws(OutboundRefusal) {
            parsed = try EndpointHost(host)
        } catch {
            return error
        }
        for address in parsed.knownAddresses {
            if let refusal = refusal(address, written: host, via: parsed) { return refusal }
        }
        return nil
    }

    /// Why `address`, which the name `host` resolved to, must not be connected to, or nil.
    public func refusal(resolved address: IPAddress, host: String) -> OutboundRefusal? {
        refusal(address, written: host, via: .name(host))
    }

    private func refusal(_ address: IPAddress, written: String, via host: EndpointHost) -> OutboundRefusal? {
        let shown: String
        switch host {
        case .address(let normal):
            // `2852039166` is shown with the address it spells.
            shown = written == host.description ? "`\(written)`" : "`\(Excerpt.cut(written))` (that is \(normal))"
        case .name:
            shown = "`\(Excerpt.cut(written))` (that is \(address.isIPv4 ? "\(address)" : "[\(address)]"))"
        }
        if Self.isMetadata(address) {
            guard allowed.contains(where: { $0.isExactly(address) }) else {
                let exact = (address.embeddedIPv4 ?? address)
                return OutboundRefusal(
                    "\(shown) is the cloud metadata service at \(exact), which hands out this machine's cloud credentials",
                    hint:
                        "nothing a repository names should reach it; if you truly mean to, list exactly `\(exact)/\(exact.isIPv4 ? 32 : 128)` in the Organization's spec.endpoints.allowCIDRs"
                )
            }
            return nil
        }
        let range = address.range
        guard !range.isPublic else { return nil }
        guard allowed.contains(where: { $0.contains(address) }) else {
            return OutboundRefusal(
                "\(shown) is \(range), which the controller does not reach for a repository unless the Organization allows it",
                hint:
                    "list the network in the Organization's spec.endpoints.allowCIDRs, such as `\(Self.suggestion(address, range))`"
            )
        }
        return nil
    }

    /// A network to suggest for `address`: loopback's, the private network it is in, or itself.
    static func suggestion(_ address: IPAddress, _ range: AddressRange) -> String {
        let target = address.embeddedIPv4 ?? address
        switch range {
        case .loopback: return target.isIPv4 ? "127.0.0.0/8" : "::1/128"
        case .privateNetwork where target.isIPv4:
            if target.bytes[0] == 10 { return "10.0.0.0/8" }
            if target.bytes[0] == 172 { return "172.16.0.0/12" }
            return "192.168.0.0/16"
        default: return "\(target)/\(target.isIPv4 ? 32 : 128)"
        }
    }
}

/// Why the controller will not send a request to a URL.
public struct OutboundRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, naming the host.
    public var message: String
    /// What to do about it, naming the setting.
    public var hint: String

    /// A refusal saying `message`, with `hint`.
    public init(_ message: String, hint: String) {
        self.message = message
        self.hint = hint
    }

    /// The message and the hint.
    public var description: String { "\(message); \(hint)" }
}

extension OutboundAddressRules {
    /// The check before each request the controller sends on a repository's word: ``refusal(url:)``,
    /// then, for a DNS name, every address it resolves to now.
    ///
    /// The HTTP client resolves the name again when it connects, so a name whose answer changes
    /// in between (DNS rebinding) can still slip through; see docs/SECURITY.md. A name that does
    /// not resolve is left to the client, which fails to connect and says so.
    /// - Throws: ``OutboundRefusal`` naming the address and the setting that would allow it.
    public func check(url: String) async throws(OutboundRefusal) {
        if let refusal = refusal(url: url) { throw refusal }
        guard let endpoint = try? HTTPEndpoint(url), let host = try? EndpointHost(endpoint.host),
            case .name(let name) = host, host.knownAddresses.isEmpty
        else { return }
        // getaddrinfo blocks: on a thread of its own, not one of the cooperative pool's.
        let addresses = (try? await onOwnThread { try HostResolver.resolve(name) }) ?? []
        for address in addresses {
            if let refusal = refusal(resolved: address, host: name) { throw refusal }
        }
    }
}
