import CharterModel
import Testing

@testable import CharterEgress

@Suite struct ConnectRequestTests {
    private func parse(_ text: String, limit: Int = 8192) -> ConnectRequest.Parse {
        ConnectRequest.parse(Array(text.utf8), limit: limit)
    }

    @Test func aConnectRequestParsesAndItsHeadersAreDropped() {
        let text = "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\nProxy-Connection: x\r\n\r\n"
        #expect(
            parse(text + "tunnel bytes")
                == .request(ConnectRequest(host: "api.example.com", port: 443), headLength: text.utf8.count))
        #expect(parse("CONNECT [::1]:22 HTTP/1.0\r\n\r\n") == .request(.init(host: "[::1]", port: 22), headLength: 29))
        #expect(
            parse("CONNECT 2852039166:80 HTTP/1.1\r\n\r\n")
                == .request(.init(host: "2852039166", port: 80), headLength: 34))
    }

    @Test func aHeadIsIncompleteUntilTheBlankLine() {
        #expect(parse("") == .incomplete)
        #expect(parse("CONNECT example.com:443 HTTP/1.1\r\n") == .incomplete)
        #expect(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r") == .incomplete)
    }

    @Test func theHeadIsBounded() {
        let long = "CONNECT example.com:443 HTTP/1.1\r\nX: " + String(repeating: "a", count: 100)
        guard case .refused(let response) = parse(long, limit: 64) else {
            Issue.record("a head over the limit is refused")
            return
        }
        #expect(response.status == 431)
        #expect(parse(long + "\r\n\r\n", limit: 64) == .refused(response), "even once it is complete")
        #expect(parse(long + "\r\n\r\n", limit: 200) != .refused(response))
    }

    @Test func refusalsAreOneLineOfPlainText() {
        let bytes = ProxyResponse(403, "no\r\nInjected: header").bytes
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"))
        #expect(text.hasSuffix("Connection: close\r\n\r\nno Injected: header\n"))
        #expect(text.contains("Content-Length: 20\r\n"))
        #expect(
            String(decoding: ProxyResponse(200, "").bytes, as: UTF8.self)
                == "HTTP/1.1 200 Connection Established\r\n\r\n")
    }

    @Test func thisMachinesAddressesIncludeLoopback() {
        #expect(HostAddresses.current().contains(.v4(127, 0, 0, 1)))
    }
}
