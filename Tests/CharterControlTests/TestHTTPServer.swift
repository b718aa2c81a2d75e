import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP/1.1 server on 127.0.0.1 for the agent tools' tests: fixed answers by path, one
/// thread per connection, and a record of every path asked for, so a test can prove a refused
/// request never reached it.
final class TestHTTPServer: @unchecked Sendable {
    /// What a path answers.
    enum Route: Sendable {
        /// A status, headers and body, then the connection is closed.
        case respond(status: Int, headers: [String: String], body: [UInt8])
        /// Reads the request and never answers; the connection stays open until the client closes it.
        case hang

        static func text(_ body: String, type: String = "text/plain; charset=utf-8") -> Route {
            .respond(status: 200, headers: ["Content-Type": type], body: Array(body.utf8))
        }

        static func redirect(_ location: String, status: Int = 302) -> Route {
            .respond(status: status, headers: ["Location": location], body: [])
        }
    }

    let port: Int
    private let listener: Int32
    private let routes: [String: Route]
    private let lock = NSLock()
    private var paths: [String] = []
    private var clients: Set<Int32> = []
    private var stopped = false

    /// Every request's path, in order.
    var hits: [String] { lock.withLock { paths } }

    private init(listener: Int32, port: Int, routes: [String: Route]) {
        self.listener = listener
        self.port = port
        self.routes = routes
    }

    /// A server listening on a free port of 127.0.0.1.
    static func start(_ routes: [String: Route]) throws -> TestHTTPServer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw HTTPServerError("bind/listen: errno \(errno)")
        }
        let server = TestHTTPServer(listener: fd, port: Int(UInt16(bigEndian: address.sin_port)), routes: routes)
        Thread.detachNewThread { server.acceptLoop() }
        return server
    }

    /// Stops listening and closes every connection.
    func stop() {
        let open: Set<Int32>? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            return clients
        }
        guard let open else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    deinit {
        stop()
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            // Not inherited by the sandboxes the tests start meanwhile.
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let accepted = lock.withLock {
                guard !stopped else { return false }
                clients.insert(client)
                return true
            }
            guard accepted else {
                close(client)
                return
            }
            Thread.detachNewThread { self.serve(client) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            lock.withLock { _ = clients.remove(fd) }
            close(fd)
        }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.contains(subsequence: [13, 10, 13, 10]), request.count < 65536 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            request += buffer[..<count]
        }
        let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        let path = line.count >= 2 ? String(line[1]) : ""
        lock.withLock { paths.append(path) }
        switch routes[path] ?? .respond(status: 404, headers: [:], body: Array("no such page".utf8)) {
        case .hang:
            // Until the client goes away (or the server stops).
            while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) Status\r\n"
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
            head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            let bytes = Array(head.utf8) + body
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { return }
                sent += count
            }
            shutdown(fd, Int32(SHUT_WR))
            // Let the client read to the end before the socket goes.
            while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
        }
    }
}

struct HTTPServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    fileprivate func contains(subsequence: [UInt8]) -> Bool {
        guard count >= subsequence.count else { return false }
        return (0...(count - subsequence.count)).contains {
            self[$0..<($0 + subsequence.count)].elementsEqual(subsequence)
        }
    }
}
