/// One network rule, `HOST:PORT`, as a step template declares what it needs and a Policy's
/// `runRules.network` allows or denies.
///
/// HOST is `*` (any host), `*.example.com` (any name strictly below example.com, at any depth), a
/// DNS name (case-insensitive, a trailing dot ignored), an IPv4 address, an IPv4 network
/// `10.0.0.0/8`, or IPv6 in brackets: `[2001:db8::1]`, `[fd00::/8]`. PORT is `443`, a range
/// `8000-8099`, or `*`.
public struct NetworkRule: Sendable, Hashable, CustomStringConvertible {
    /// What a rule's HOST names.
    public enum Host: Sendable, Hashable {
        /// `*`: any name or address.
        case any
        /// A DNS name, lowercase, without a trailing dot.
        case name(String)
        /// `*.example.com`: names strictly below `example.com` (stored without the `*.`).
        case subdomains(of: String)
        /// One address; `/32` and `/128` networks are stored this way too.
        case address(IPAddress)
        /// A network: the address has no bits set after the prefix.
        case network(IPAddress, prefixLength: Int)
    }

    /// What a rule's PORT names.
    public enum Ports: Sendable, Hashable {
        /// `*`: 1–65535.
        case any
        /// One port (`lowerBound == upperBound`) or an inclusive range.
        case range(ClosedRange<Int>)

        /// Whether `port` is in the set.
        public func contains(_ port: Int) -> Bool {
            switch self {
            case .any: (1...65535).contains(port)
            case .range(let range): range.contains(port)
            }
        }
    }

    /// The longest rule text accepted; a DNS name is at most 253 characters.
    public static let maximumLength = 300

    /// The host part.
    public let host: Host
    /// The port part.
    public let ports: Ports

    /// Creates a rule from its parts.
    public init(host: Host, ports: Ports) {
        self.host = host
        self.ports = ports
    }

    /// Parses `HOST:PORT`.
    public init(_ text: String) throws(NetworkRuleError) {
        func fail(_ message: String, _ hint: String) -> NetworkRuleError {
            NetworkRuleError(rule: text, message: message, hint: hint)
        }
        guard text.utf8.count <= Self.maximumLength else {
            throw fail(
                "is longer than \(Self.maximumLength) characters", "write one host and port, e.g. `example.com:443`")
        }
        guard !text.isEmpty else { throw fail("is empty", "write a host and a port, e.g. `example.com:443`") }
        guard text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw fail(
                "contains a space, a control or a non-ASCII character",
                "write names in ASCII (internationalized names in their `xn--` form), e.g. `example.com:443`")
        }
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw fail("has `[` without `]`", "write IPv6 addresses in brackets, e.g. `[2001:db8::1]:443`")
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw fail("has no port", "add the port after the brackets, e.g. `[2001:db8::1]:443`")
            }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw fail("has no port", "add the port, e.g. `example.com:443`, or `*` for any port")
            }
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !hostText.contains(":") else {
                throw fail("looks like an IPv6 address without brackets", "write it as `[2001:db8::1]:443`")
            }
            guard !hostText.contains("[") && !hostText.contains("]") else {
                throw fail("has a stray bracket", "brackets only surround an IPv6 address, e.g. `[::1]:443`")
            }
        }
        do {
            host = try Self.parseHost(hostText, bracketed: text.hasPrefix("["))
            ports = try Self.parsePorts(portText)
        } catch let problem {
            throw fail(problem.message, problem.hint)
        }
    }

    /// Whether this rule names an address or a network rather than a name or `*`.
    public var isAddressRule: Bool {
        switch host {
        case .address, .network: true
        case .any, .name, .subdomains: false
        }
    }

    /// Whether a connection request for `host` (a name or an IP literal, IPv6 with or without
    /// brackets) and `port` is within this rule, before any name is resolved.
    ///
    /// `*` matches every host; a name rule matches names only; an address or network rule matches
    /// only an IP literal in strict form inside it (so `127.1` or `2852039166` never matches one),
    /// as ``covers(address:port:)`` decides.
    public func matches(host requested: String, port: Int) -> Bool {
        guard ports.contains(port), requested.utf8.count <= Self.maximumLength else { return false }
        switch host {
        case .any:
            return true
        case .name(let name):
            guard IPAddress(literal: requested) == nil, let wanted = DNSName.normalized(requested) else { return false }
            return wanted == name
        case .subdomains(let domain):
            guard IPAddress(literal: requested) == nil, let wanted = DNSName.normalized(requested) else { return false }
            return wanted.hasSuffix("." + domain)
        case .address, .network:
            guard let address = IPAddress(literal: requested) else { return false }
            return covers(address: address, port: port)
        }
    }

    /// Whether this address rule covers `address` and `port`; false for name and `*` rules.
    ///
    /// An IPv6 address that leads to an IPv4 host (IPv4-mapped, NAT64, …; see
    /// ``IPAddress/embeddedIPv4``) is also covered by a rule covering that IPv4 address, so
    /// `deny: ["10.0.0.0/8:*"]` cannot be passed by writing `[::ffff:10.0.0.1]`.
    public func covers(address: IPAddress, port: Int) -> Bool {
        guard isAddressRule, ports.contains(port) else { return false }
        return hostCovers(address) || address.embeddedIPv4.map(hostCovers) == true
    }

    /// Whether this rule names exactly `address` (or its IPv4 form) and exactly the single `port`.
    func namesExactly(address: IPAddress, port: Int) -> Bool {
        guard case .address(let named) = host, ports == .range(port...port) else { return false }
        return named.unmapped == address.unmapped
    }

    private func hostCovers(_ address: IPAddress) -> Bool {
        switch host {
        case .address(let named): named == address
        case .network(let network, let length): address.hasPrefix(network, length: length)
        case .any, .name, .subdomains: false
        }
    }

    /// The rule in its normalized form, e.g. `example.com:443`, `[fd00::/8]:*`.
    public var description: String {
        let hostText =
            switch host {
            case .any: "*"
            case .name(let name): name
            case .subdomains(let domain): "*." + domain
            case .address(let address): address.isIPv4 ? "\(address)" : "[\(address)]"
            case .network(let network, let length):
                network.isIPv4 ? "\(network)/\(length)" : "[\(network)/\(length)]"
            }
        let portText =
            switch ports {
            case .any: "*"
            case .range(let range):
                range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
            }
        return hostText + ":" + portText
    }

    private struct Problem: Error {
        var message: String
        var hint: String
        init(_ message: String, _ hint: String) {
            self.message = message
            self.hint = hint
        }
    }

    private static func parseHost(_ text: Substring, bracketed: Bool) throws(Problem) -> Host {
        guard !text.isEmpty else {
            throw Problem("has no host", "write a name, an address or `*` before the port, e.g. `example.com:443`")
        }
        if bracketed {
            let (addressText, length) = try splitPrefix(text)
            guard let address = IPAddress(String(addressText)), !address.isIPv4 else {
                throw Problem("`\(text)` is not an IPv6 address", "write e.g. `[2001:db8::1]:443` or `[fd00::/8]:*`")
            }
            return try network(address, length)
        }
        if text == "*" { return .any }
        if text.hasPrefix("*.") {
            let domain = text.dropFirst(2)
            guard !domain.isEmpty else {
                throw Problem("has `*.` without a domain", "write e.g. `*.example.com:443`, or `*` for any host")
            }
            guard let name = DNSName.normalized(domain) else { throw nameProblem(domain) }
            return .subdomains(of: name)
        }
        if text.contains("*") {
            throw Problem("has `*` inside the host", "use `*` alone or as a leading `*.`, e.g. `*.example.com:443`")
        }
        if text.contains("/") {
            let (addressText, length) = try splitPrefix(text)
            guard let address = IPAddress(String(addressText)), address.isIPv4 else {
                throw Problem(
                    "`\(addressText)` is not an IPv4 address in dotted-quad form",
                    "write a network as four decimal numbers and a length, e.g. `10.0.0.0/8:*`")
            }
            return try network(address, length)
        }
        if let address = IPAddress(String(text)), address.isIPv4 { return .address(address) }
        guard let name = DNSName.normalized(text) else { throw nameProblem(text) }
        return .name(name)
    }

    private static func splitPrefix(_ text: Substring) throws(Problem) -> (Substring, Int?) {
        guard let slash = text.firstIndex(of: "/") else { return (text, nil) }
        let digits = text[text.index(after: slash)...]
        guard (1...3).contains(digits.count), digits.allSatisfy(\.isASCIIDigit), let length = Int(digits) else {
            throw Problem("`\(text)` has no valid prefix length", "write e.g. `10.0.0.0/8` or `[fd00::/8]`")
        }
        return (text[..<slash], length)
    }

    private static func network(_ address: IPAddress, _ length: Int?) throws(Problem) -> Host {
        guard let length else { return .address(address) }
        do throws(IPNetworkError) {
            let network = try IPNetwork(address: address, prefixLength: length)
            return network.isExactly(address) ? .address(address) : .network(address, prefixLength: length)
        } catch {
            // A rule writes IPv6 networks in brackets; the hint shows the network that way.
            let base = address.masked(to: length)
            let hint = base.isIPv4 || base == address ? error.hint : "did you mean `[\(base)/\(length)]`?"
            throw Problem(error.message, hint)
        }
    }

    private static func nameProblem(_ text: Substring) -> Problem {
        // What inet_aton would read as a number (`127.1`, `0x7f.1`, `2852039166`) gets its own message.
        if text.first?.isASCIIDigit == true && text.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" || $0 == "X" })
        {
            return Problem(
                "`\(text)` is neither a DNS name nor an IPv4 address in dotted-quad form",
                "write an address as four decimal numbers, e.g. `127.0.0.1:8080`")
        }
        return Problem(
            "`\(text)` is not a valid DNS name",
            "use letters, digits, `-` and `.`, labels of at most 63 and names of at most 253 characters, "
                + "ending in a label that starts with a letter, e.g. `api.example.com:443`")
    }

    private static func parsePorts(_ text: Substring) throws(Problem) -> Ports {
        if text == "*" { return .any }
        guard !text.isEmpty else { throw Problem("has no port", "add the port, e.g. `example.com:443`, or `*`") }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw Problem("`\(text)` is not a port", "write e.g. `443` or `8000-8099`") }
        var values: [Int] = []
        for part in parts {
            guard (1...5).contains(part.count), part.allSatisfy(\.isASCIIDigit), part.first != "0" || part == "0",
                let value = Int(part)
            else {
                throw Problem("`\(text)` is not a port", "write a number from 1 to 65535, e.g. `443` or `8000-8099`")
            }
            guard (1...65535).contains(value) else {
                throw Problem("port \(value) is out of range", "use a number from 1 to 65535")
            }
            values.append(value)
        }
        guard values[0] <= values[values.count - 1] else {
            throw Problem("the port range `\(text)` is backwards", "write the lower port first, e.g. `8000-8099`")
        }
        return .range(values[0]...values[values.count - 1])
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension IPAddress {
    /// Parses a host as it appears in a connection request: `1.2.3.4`, `[2001:db8::1]` or
    /// `2001:db8::1`, strictly; nil for names and legacy numeric forms.
    public init?(literal: String) {
        if literal.hasPrefix("[") && literal.hasSuffix("]") && literal.count >= 2 {
            guard let address = IPAddress(String(literal.dropFirst().dropLast())), !address.isIPv4 else { return nil }
            self = address
        } else {
            guard let address = IPAddress(literal) else { return nil }
            self = address
        }
    }
}

/// DNS host names as rules and requests write them.
enum DNSName {
    /// Lowercase, without a trailing dot, if `text` is a host name: labels of 1–63 letters, digits
    /// and inner hyphens, at most 253 characters, the last label starting with a letter (so
    /// numeric forms such as `127.1` are never names).
    static func normalized(_ text: some StringProtocol) -> String? {
        // ASCII only before lowercasing: Unicode case mapping turns some symbols into ASCII letters.
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            let bytes = Array(label.utf8)
            guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-"),
                bytes.allSatisfy({ $0.isLowercaseLetter || $0.isDigit || $0 == UInt8(ascii: "-") })
            else { return nil }
        }
        guard labels.last!.utf8.first!.isLowercaseLetter else { return nil }
        return name
    }
}

extension UInt8 {
    fileprivate var isLowercaseLetter: Bool { self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z") }
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}
