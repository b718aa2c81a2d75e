import CharterFoundation
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a server under test on 127.0.0.1, for what an HTTP client would not
/// do: send nothing, send half a request, hold a socket open, or just check a status code without
/// a client library.
public final class RawConnection: @unchecked Sendable {
    // Used by one test at a time; closed once, in deinit.
    public let fd: Int32

    /// Connects to 127.0.0.1:`port`.
    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawConnectionError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw RawConnectionError("connect to port \(port): errno \(code)")
        }
    }

    deinit { close(fd) }

    /// Sends `text`; false if the server already closed the connection.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Waits up to `timeout` for the server to close the connection, reading (and keeping) whatever
    /// it sends first. Returns the bytes read if it closed (end of stream or reset), nil if it was
    /// still open when the time was up. Runs on a thread of its own, not the test's.
    public func closedByServer(within timeout: Duration = .seconds(20)) async -> [UInt8]? {
        // Never throws: the work does not.
        (try? await onOwnThread { self.readUntilClosed(timeout) }) ?? nil
    }

    /// Whether the server closed the connection, looking without waiting.
    public var isClosedNow: Bool { readUntilClosed(.zero) != nil }

    private func readUntilClosed(_ timeout: Duration) -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        while true {
            let left = max(.zero, deadline - ContinuousClock.now)
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(
                left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received += buffer[..<count]
            } else if count == 0 || errno == ECONNRESET {
                return received
            } else if errno != EAGAIN && errno != EINTR {
                return received
            }
        }
    }

    /// `GET path` with `Connection: close` on a new connection: the status code, or nil when the
    /// server closed without answering.
    public static func get(_ path: String, port: Int) async throws -> Int? {
        try await request("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", port: port)
    }

    /// `POST path` with `body` and `Connection: close` on a new connection: the status code, or nil
    /// when the server closed without answering.
    public static func post(_ path: String, body: String, port: Int) async throws -> Int? {
        try await request(
            "POST \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                + body, port: port)
    }

    /// One request with `Connection: close`: the status code and the body (an answer with a
    /// `Content-Length`), or nil when the server closed without answering.
    public static func exchange(
        _ method: String, _ path: String, headers: [String: String] = [:], body: String = "", port: Int
    ) async throws -> (status: Int, body: String)? {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        if method != "GET" { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + body
        let connection = try RawConnection(port: port)
        connection.send(text)
        guard let response = await connection.closedByServer(), let code = status(of: response) else { return nil }
        let bytes = Array(response)
        let separator = Array("\r\n\r\n".utf8)
        guard let start = (0...(bytes.count - separator.count)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return (code, "") }
        return (code, String(decoding: bytes[(start + 4)...], as: UTF8.self))
    }

    /// `GET path` with `headers` (`Name: value` each): ``exchange(_:_:headers:body:port:)`` for
    /// callers that hold headers as lines.
    public static func fetch(
        _ path: String, port: Int, headers: [String] = []
    ) async throws -> (status: Int?, body: String)? {
        var fields: [String: String] = [:]
        for line in headers {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return try await exchange("GET", path, headers: fields, port: port).map { (Optional($0.status), $0.body) }
    }

    private static func request(_ text: String, port: Int) async throws -> Int? {
        let connection = try RawConnection(port: port)
        connection.send(text)
        guard let response = await connection.closedByServer() else { return nil }
        return status(of: response)
    }

    /// The status code of an HTTP/1.1 response.
    public static func status(of response: [UInt8]) -> Int? {
        let text = String(decoding: response.prefix(12), as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}

/// A socket call failed.
public struct RawConnectionError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
