/// An `http://` or `https://` base URL as a CapacitySource `endpoint` takes it, checked strictly.
///
/// The shape, which ``Patterns/httpURL`` states as a regex for the JSON Schema too:
/// `http` or `https` in lower case, `://`, a host (letters, digits, `.`, `-`, `_`, or an IPv6
/// address in brackets), an optional port from 1 to 65535 without leading zeros, and an optional
/// path of printable characters. No user-info (a key pasted into a URL would be logged with it),
/// no query and no fragment (`?key=` the same), no white space. A URL the HTTP stack would trap
/// on — `http://127.0.0.1:99999/v1` — is refused here, when the repository loads, and again by
/// the providers before any request.
public struct HTTPEndpoint: Sendable, Hashable {
    /// Longest accepted URL.
    public static let maxLength = 2048

    /// `http` or `https`.
    public let scheme: String
    /// The host as written (an IPv6 address keeps its brackets).
    public let host: String
    /// The port, when one is written.
    public let port: Int?
    /// The path, empty or starting with `/`.
    public let path: String

    /// Parses `text`.
    /// - Throws: ``HTTPEndpointError`` saying what is wrong.
    public init(_ text: String) throws(HTTPEndpointError) {
        let u = Array(text.utf8)
        guard u.count <= Self.maxLength else {
            throw HTTPEndpointError("is \(u.count) bytes long; the limit is \(Self.maxLength)")
        }
        var i: Int
        if text.hasPrefix("https://") {
            scheme = "https"
            i = 8
        } else if text.hasPrefix("http://") {
            scheme = "http"
            i = 7
        } else {
            throw HTTPEndpointError("is not an http:// or https:// URL")
        }
        let authorityStart = i
        while i < u.count, u[i] != UInt8(ascii: "/") { i += 1 }
        let authority = u[authorityStart..<i]
        if authority.contains(UInt8(ascii: "@")) {
            throw HTTPEndpointError("contains a user or password; put the key in `credential` instead")
        }
        if authority.contains(UInt8(ascii: "?")) || authority.contains(UInt8(ascii: "#")) {
            throw HTTPEndpointError("has a query or fragment; give the base URL only")
        }
        // The host: `[IPv6]` or a name of letters, digits, `.`, `-`, `_`.
        var j = authorityStart
        if j < i, u[j] == UInt8(ascii: "[") {
            while j < i, u[j] != UInt8(ascii: "]") {
                if j > authorityStart, !Self.isIPv6Byte(u[j]) { throw HTTPEndpointError("has an invalid IPv6 host") }
                j += 1
            }
            guard j < i, j > authorityStart + 1 else { throw HTTPEndpointError("has an invalid IPv6 host") }
            j += 1
        } else {
            while j < i, Self.isHostByte(u[j]) { j += 1 }
        }
        guard j > authorityStart else { throw HTTPEndpointError("has no host") }
        host = String(decoding: u[authorityStart..<j], as: UTF8.self)
        if j < i {
            guard u[j] == UInt8(ascii: ":") else {
                throw HTTPEndpointError("has an invalid character in its host")
            }
            let digits = u[(j + 1)..<i]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                digits.first != UInt8(ascii: "0")
            else { throw HTTPEndpointError("has an invalid port; give a number from 1 to 65535") }
            let value = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
            guard value <= 65535 else {
                throw HTTPEndpointError("has the port \(value); ports go from 1 to 65535")
            }
            port = value
        } else {
            port = nil
        }
        for b in u[i...] {
            if b == UInt8(ascii: "?") || b == UInt8(ascii: "#") {
                throw HTTPEndpointError("has a query or fragment; give the base URL only")
            }
            guard b > 0x20, b != 0x7F, b != UInt8(ascii: "\\") else {
                throw HTTPEndpointError("has white space, a control character or `\\` in its path")
            }
        }
        path = String(decoding: u[i...], as: UTF8.self)
    }

    /// Why `text` is not an endpoint, or nil when it is one.
    public static func problem(_ text: String) -> String? {
        do {
            _ = try HTTPEndpoint(text)
            return nil
        } catch {
            return error.message
        }
    }

    static func isHostByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: ".")
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }

    static func isIPv6Byte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102) || b == UInt8(ascii: ":")
            || b == UInt8(ascii: ".")
    }

    /// The regex ``Patterns/httpURL`` writes into the JSON Schema; the same language as the parser.
    static let regex =
        "^https?://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)"
        + "(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?"
        + "(/[^\\u0000-\\u0020\\u007F?#\\\\]*)?$"
}

/// Why a URL is not a usable endpoint.
public struct HTTPEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, as the end of a sentence starting with the URL ("has no host").
    public var message: String

    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
