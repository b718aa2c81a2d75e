#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves a host name with the system resolver. It blocks, so it runs on a thread pool or a
/// thread of its own, never on an event loop or the cooperative pool; the egress proxy resolves
/// each name once and connects only to addresses it checked, the providers and the MCP HTTP
/// transport check what a name resolves to before each request.
public enum HostResolver {
    /// Why a name did not resolve.
    public struct Failure: Error, CustomStringConvertible {
        /// The resolver's own words.
        public var description: String
    }

    /// Every distinct IPv4 and IPv6 address of `host`, in the resolver's order.
    public static func resolve(_ host: String) throws(Failure) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, nil, &hints, &list)
        guard code == 0 else {
            let text = code == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(code))
            throw Failure(description: text)
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor = list
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            guard let sockaddrPointer = entry.pointee.ai_addr else { continue }
            if let address = IPAddress(socketAddress: sockaddrPointer), !addresses.contains(address) {
                addresses.append(address)
            }
        }
        guard !addresses.isEmpty else { throw Failure(description: "no IPv4 or IPv6 address") }
        return addresses
    }
}

extension IPAddress {
    /// The address in a `sockaddr_in` or `sockaddr_in6`; nil for other families.
    public init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let raw = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            guard let address = withUnsafeBytes(of: raw, { IPAddress(bytes: $0) }) else { return nil }
            self = address
        case AF_INET6:
            let raw = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            guard let address = withUnsafeBytes(of: raw, { IPAddress(bytes: $0) }) else { return nil }
            self = address
        default:
            return nil
        }
    }
}
