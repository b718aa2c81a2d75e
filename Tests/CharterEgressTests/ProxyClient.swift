import CharterTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking client on the proxy's unix socket, as a step's program would be. Every read gives
/// up after `timeout` (a bound on a broken test, never a pause), so a test cannot hang.
final class ProxyClient {
    private let fd: Int32
    private var pending: [UInt8] = []

    init(path: String, timeout: Int = 10) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw FixtureError("connect \(path): \(reason)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw FixtureError("send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// Sends EOF; the other direction stays open.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// `CONNECT target HTTP/1.1` and the answer's status code.
    func connect(_ target: String) throws -> Int {
        try send("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
        return try readHead().status
    }

    /// Reads up to the blank line that ends a response head.
    func readHead() throws -> (status: Int, head: String) {
        while true {
            if let end = findHeadEnd() {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 4)
                let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                return (status, head)
            }
            guard try fill() else { throw FixtureError("EOF before a response head: \(pending)") }
        }
    }

    /// Reads exactly `count` bytes.
    func read(_ count: Int) throws -> [UInt8] {
        while pending.count < count {
            guard try fill() else { throw FixtureError("EOF after \(pending.count) of \(count) bytes") }
        }
        let bytes = Array(pending.prefix(count))
        pending.removeFirst(count)
        return bytes
    }

    /// Everything until the other side closes (EOF, or a reset after its last bytes).
    func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { pending = [] }
        return pending
    }

    /// The rest as text.
    func readText() throws -> String { String(decoding: try readToEnd(), as: UTF8.self) }

    /// False at EOF; throws when the read timed out.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            pending += buffer[..<count]
            return true
        }
        if count == 0 || errno == ECONNRESET { return false }
        throw FixtureError("recv: \(String(cString: strerror(errno)))")
    }

    private func findHeadEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        return (0...(pending.count - 4)).first {
            pending[$0] == 13 && pending[$0 + 1] == 10 && pending[$0 + 2] == 13 && pending[$0 + 3] == 10
        }
    }
}
