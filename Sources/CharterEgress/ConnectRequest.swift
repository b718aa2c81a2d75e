import CharterModel

/// A `CONNECT host:port HTTP/1.1` request head, parsed strictly. Headers are checked for shape
/// and dropped: nothing from them is used or forwarded.
struct ConnectRequest: Sendable, Hashable {
    /// The host as the client wrote it: a name, an IPv4 literal, or IPv6 in brackets.
    var host: String
    /// 1–65535.
    var port: Int

    /// What a buffer holds so far.
    enum Parse: Hashable {
        /// No blank line yet, and the head is still under the limit.
        case incomplete
        /// A request, whose head took the first `headLength` bytes; what follows is tunnel data.
        case request(ConnectRequest, headLength: Int)
        /// An answer to send before closing.
        case refused(ProxyResponse)
    }

    /// Parses a request head from `bytes`, which may hold more than the head.
    static func parse(_ bytes: some Collection<UInt8>, limit: Int) -> Parse {
        let bytes = Array(bytes.prefix(limit + 4))
        guard let end = headEnd(bytes) else {
            guard bytes.count < limit else {
                return .refused(
                    .init(
                        431,
                        "the request head is larger than \(limit) bytes: send only the CONNECT line and a Host header"))
            }
            return .incomplete
        }
        guard end <= limit else {
            return .refused(
                .init(
                    431, "the request head is larger than \(limit) bytes: send only the CONNECT line and a Host header")
            )
        }
        do {
            let request = try parseHead(bytes[..<(end - 4)])
            return .request(request, headLength: end)
        } catch {
            return .refused(error.response)
        }
    }

    /// The index just after the first CRLF CRLF.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    private struct Failure: Error {
        var response: ProxyResponse
        init(_ status: Int, _ reason: String) { response = ProxyResponse(status, reason) }
    }

    private static func parseHead(_ head: ArraySlice<UInt8>) throws(Failure) -> ConnectRequest {
        // CR, LF and NUL only ever appear as line ends; other control bytes are refused outright.
        var lines: [ArraySlice<UInt8>] = []
        var start = head.startIndex
        var index = head.startIndex
        while index < head.endIndex {
            let byte = head[index]
            if byte == 13 {
                guard index + 1 < head.endIndex, head[index + 1] == 10 else { throw Failure(400, "a CR without LF") }
                lines.append(head[start..<index])
                index += 2
                start = index
                continue
            }
            guard byte >= 0x20 && byte != 0x7F || byte == 9 else {
                throw Failure(400, "the request head contains a control character")
            }
            index += 1
        }
        lines.append(head[start..<head.endIndex])

        let requestLine = lines[0]
        guard requestLine.allSatisfy({ $0 > 0x20 && $0 < 0x7F || $0 == 0x20 }) else {
            throw Failure(400, "the request line must be ASCII: `CONNECT host:port HTTP/1.1`")
        }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw Failure(400, "the request line must be `CONNECT host:port HTTP/1.1`")
        }
        guard parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            throw Failure(400, "`\(parts[2])` is not HTTP/1.1: send `CONNECT host:port HTTP/1.1`")
        }
        guard parts[0] == "CONNECT" else {
            guard parts[0].utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
                throw Failure(400, "the request line must be `CONNECT host:port HTTP/1.1`")
            }
            throw Failure(
                405,
                "only CONNECT tunnels are supported, not \(parts[0]): reach http:// URLs through a tunnel too "
                    + "(e.g. curl --proxytunnel)")
        }
        for line in lines.dropFirst() {
            // A header line is `name: value`; obsolete line folding (a leading space) is refused.
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line[line.startIndex..<colon].allSatisfy(isTokenByte)
            else { throw Failure(400, "a header line is not `Name: value`") }
        }
        return try parseAuthority(parts[1])
    }

    private static func parseAuthority(_ target: String) throws(Failure) -> ConnectRequest {
        let usage = "the target must be `host:port`, with IPv6 in brackets, e.g. `example.com:443` or `[::1]:443`"
        let host: Substring
        let portText: Substring
        if target.hasPrefix("[") {
            guard let close = target.firstIndex(of: "]"), target[target.index(after: close)...].hasPrefix(":") else {
                throw Failure(400, "`\(target)` is not host:port: \(usage)")
            }
            host = target[...close]
            portText = target[target.index(close, offsetBy: 2)...]
            guard let address = IPAddress(literal: String(host)), !address.isIPv4 else {
                throw Failure(400, "`\(host)` is not an IPv6 address: \(usage)")
            }
        } else {
            guard let colon = target.lastIndex(of: ":") else { throw Failure(400, "`\(target)` has no port: \(usage)") }
            host = target[..<colon]
            portText = target[target.index(after: colon)...]
            // Names are passed to the resolver as they are: letters, digits, `-` and `.` only.
            guard !host.isEmpty, host.utf8.count <= 254, host.utf8.allSatisfy(isHostByte) else {
                throw Failure(400, "`\(host)` is not a host name or address: \(usage)")
            }
        }
        guard (1...5).contains(portText.count), portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            portText.first != "0", let port = Int(portText), port <= 65535
        else { throw Failure(400, "`\(portText)` is not a port from 1 to 65535: \(usage)") }
        return ConnectRequest(host: String(host), port: port)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        isHostByte(byte) || "!#$%&'*+^_`|~".utf8.contains(byte)
    }
}

/// An answer the proxy sends before closing a connection it will not tunnel, or the `200` that
/// opens a tunnel.
struct ProxyResponse: Sendable, Hashable {
    var status: Int
    /// One line of plain text, also the log entry's reason.
    var reason: String

    init(_ status: Int, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    /// The response bytes: a status line, and for anything but 200 a one-line plain-text body.
    var bytes: [UInt8] {
        let phrase =
            switch status {
            case 200: "Connection Established"
            case 400: "Bad Request"
            case 403: "Forbidden"
            case 405: "Method Not Allowed"
            case 431: "Request Header Fields Too Large"
            case 502: "Bad Gateway"
            case 503: "Service Unavailable"
            default: "Error"
            }
        guard status != 200 else { return Array("HTTP/1.1 200 \(phrase)\r\n\r\n".utf8) }
        // The reason quotes what the client sent, which was checked for control characters; a
        // line break here would still let a body pose as headers, so any is flattened.
        let body = String(reason.map { $0.isNewline ? " " : $0 }) + "\n"
        var head = "HTTP/1.1 \(status) \(phrase)\r\nContent-Type: text/plain; charset=utf-8\r\n"
        if status == 405 { head += "Allow: CONNECT\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        return Array((head + body).utf8)
    }
}
