/// Everything that decides where one step's connections may go, and the two checks the egress
/// proxy makes: one on the name the step asked for, one on each address that name resolved to.
///
/// A connection needs all of: a `step` rule (the template declares it), an `allow` rule (a Policy
/// permits it), and no `deny` rule; deny wins. Names alone never reach non-public addresses: a
/// DNS name can point anywhere, so loopback, private networks and cloud metadata are reachable only
/// through an `allow` rule that names the address or its network.
public struct EgressRules: Sendable, Hashable {
    /// A listening endpoint of the controller itself (its webhook server, the egress proxy's own
    /// peers…), which a step must not reach unless a Policy names it exactly.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// The address it listens on; nil when it listens on every address.
        public var address: IPAddress?
        /// Its TCP port.
        public var port: Int

        /// Creates an endpoint; `address` nil means every address of this machine.
        public init(address: IPAddress?, port: Int) {
            self.address = address
            self.port = port
        }

        /// `127.0.0.1:8080`, `[::1]:8080`, or `*:8080`.
        public var description: String {
            guard let address else { return "*:\(port)" }
            return address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
        }
    }

    /// What the step's template declares it needs.
    public var step: [NetworkRule]
    /// The union of every applied Policy's `runRules.network.allow`.
    public var allow: [NetworkRule]
    /// The union of every applied Policy's `runRules.network.deny`.
    public var deny: [NetworkRule]
    /// The controller's own listening endpoints.
    public var reserved: [Endpoint]
    /// This machine's own addresses, which reach an endpoint that listens on every address.
    public var hostAddresses: [IPAddress]

    /// Creates the rules for one step.
    public init(
        step: [NetworkRule], allow: [NetworkRule], deny: [NetworkRule] = [], reserved: [Endpoint] = [],
        hostAddresses: [IPAddress] = []
    ) {
        self.step = step
        self.allow = allow
        self.deny = deny
        self.reserved = reserved
        self.hostAddresses = hostAddresses
    }

    /// The check before resolving: is `host:port` (what the step asked for) declared by the step,
    /// allowed by a Policy and denied by none?
    public func checkName(host: String, port: Int) -> EgressDecision {
        let target = Self.target(host, port)
        guard (1...65535).contains(port) else {
            return .refused("port \(port) is out of range: a port is a number from 1 to 65535")
        }
        if let rule = deny.first(where: { $0.matches(host: host, port: port) }) {
            return .refused("\(target) is denied by the Policy rule `\(rule)`")
        }
        guard let stepRule = step.first(where: { $0.matches(host: host, port: port) }) else {
            return .refused(
                "the step does not declare \(target): add it to the network rules of the step's template, "
                    + "e.g. `\(Self.example(host, port))`")
        }
        guard let allowRule = allow.first(where: { $0.matches(host: host, port: port) }) else {
            return .refused(
                "no Policy allows \(target): a Policy's `runRules.network.allow` must name it, "
                    + "e.g. `\(Self.example(host, port))`")
        }
        return .allowed(
            "\(target) is declared by the step (`\(stepRule)`) and allowed by the Policy rule `\(allowRule)`")
    }

    /// The check after resolving (or for an IP literal): may the step connect to `address`, which
    /// `host` (what it asked for) resolved to, on `port`? Public addresses pass unless denied;
    /// a non-public address needs an `allow` rule naming the address or its network; one of the
    /// controller's own endpoints needs an `allow` rule naming exactly that address and that port.
    public func checkAddress(_ address: IPAddress, host: String, port: Int) -> EgressDecision {
        let via = IPAddress(literal: host) == nil ? " (which \(host) resolved to)" : ""
        let target = Self.target("\(address)", port) + via
        if let rule = deny.first(where: { $0.covers(address: address, port: port) }) {
            return .refused("\(target) is denied by the Policy rule `\(rule)`")
        }
        let range = address.range
        let exact = Self.example("\(address)", port)
        // This machine's own addresses, public ones included, lead to services bound to every
        // address (and past the cloud's security groups): like loopback, only by address.
        let isOwn = hostAddresses.contains { $0.unmapped == address.unmapped }
        if !range.isPublic || isOwn {
            guard allow.contains(where: { $0.covers(address: address, port: port) }) else {
                let what = range.isPublic ? "an address of this machine" : "\(range)"
                return .refused(
                    "`\(address)`\(via) is \(what); only a Policy rule naming that address, such as `\(exact)`, "
                        + "allows it")
            }
        }
        if let endpoint = reserved.first(where: { reaches(address, port: port, endpoint: $0) }) {
            guard allow.contains(where: { $0.namesExactly(address: address, port: port) }) else {
                return .refused(
                    "\(target) reaches the controller's own endpoint \(endpoint); only a Policy rule naming exactly "
                        + "that address and port, `\(exact)`, allows it")
            }
        }
        return .allowed(
            range.isPublic && !isOwn
                ? "\(target) is public"
                : "\(target) is \(isOwn ? "this machine" : "\(range)") and a Policy rule names it")
    }

    /// Whether connecting to `address:port` reaches `endpoint`: the same address, or for an
    /// endpoint on every address, any address of this machine (loopback, unspecified, its own).
    private func reaches(_ address: IPAddress, port: Int, endpoint: Endpoint) -> Bool {
        guard endpoint.port == port else { return false }
        let candidate = address.unmapped
        // Connecting to 0.0.0.0 or :: reaches this machine on whichever address listens.
        if candidate.range == .unspecified { return true }
        guard let listening = endpoint.address?.unmapped else {
            return candidate.range == .loopback || hostAddresses.contains { $0.unmapped == candidate }
        }
        return listening == candidate
    }

    /// `` `host:port` `` with IPv6 in brackets.
    static func target(_ host: String, _ port: Int) -> String { "`\(example(host, port))`" }

    static func example(_ host: String, _ port: Int) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// The outcome of one egress check, with a sentence a person can act on.
public struct EgressDecision: Sendable, Hashable, CustomStringConvertible {
    /// Whether the connection may go ahead.
    public var allowed: Bool
    /// Why, naming the rule or the missing rule.
    public var reason: String

    /// Creates a decision.
    public init(allowed: Bool, reason: String) {
        self.allowed = allowed
        self.reason = reason
    }

    static func allowed(_ reason: String) -> EgressDecision { EgressDecision(allowed: true, reason: reason) }
    static func refused(_ reason: String) -> EgressDecision { EgressDecision(allowed: false, reason: reason) }

    /// `allowed: reason` or `refused: reason`.
    public var description: String { (allowed ? "allowed: " : "refused: ") + reason }
}
