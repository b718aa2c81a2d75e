import CharterModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// This machine's own addresses, for ``EgressRules/hostAddresses``: a controller endpoint that
/// listens on every address is reachable through each of them.
public enum HostAddresses {
    /// The IPv4 and IPv6 addresses of every network interface that is up; empty if they cannot be
    /// listed.
    public static func current() -> [IPAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [IPAddress] = []
        var cursor = list
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            guard let sockaddrPointer = entry.pointee.ifa_addr else { continue }
            if let address = IPAddress(socketAddress: sockaddrPointer), !addresses.contains(address) {
                addresses.append(address)
            }
        }
        return addresses
    }
}
