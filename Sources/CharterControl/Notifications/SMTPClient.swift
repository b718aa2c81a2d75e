import CharterFoundation
import CharterModel
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One mail through an SMTP server (RFC 5321): EHLO, STARTTLS when offered or required (RFC 3207,
/// the certificate verified against the host), AUTH PLAIN only over TLS or to a loopback
/// address, then MAIL, RCPT, DATA and QUIT.
///
/// What the repository or a Person supplies never becomes protocol syntax: addresses with
/// anything outside printable ASCII, `<`, `>` or spaces are refused, header values lose their
/// control characters (so a CR LF cannot start a header of its own), and lines of the body that
/// start with `.` are doubled (RFC 5321 §4.5.2). Replies are read in lines of at most 4,096 bytes
/// and 100 lines.
struct SMTPClient: Sendable {
    var host: String
    var port: Int
    var security: NotificationRoute.SMTPSecurity
    var username: String?
    var password: String?
    /// The trust roots of STARTTLS; the system's by default, a test's own CA otherwise.
    var tls: TLSConfiguration = .makeClientConfiguration()

    /// A failure with whether trying again may help.
    struct Failure: Error {
        var message: String
        var permanent: Bool
    }

    /// Whether `host` is an IP literal (no name to check the certificate against).
    static func isAddress(_ host: String) -> Bool {
        if case .address = try? EndpointHost(host) { return true }
        return false
    }

    /// Whether `host` is this machine: a password may go there without TLS.
    static func isLoopback(_ host: String) -> Bool {
        guard let parsed = try? EndpointHost(host) else { return false }
        let known = parsed.knownAddresses
        return !known.isEmpty && known.allSatisfy { $0.range == .loopback }
    }

    /// An address a mail may name: printable ASCII, one `@`, no `<>`, spaces or controls.
    static func isSafeAddress(_ address: String) -> Bool {
        let u = Array(address.utf8)
        guard u.count <= 254, u.filter({ $0 == UInt8(ascii: "@") }).count == 1, u.first != UInt8(ascii: "@"),
            u.last != UInt8(ascii: "@")
        else { return false }
        return u.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }

    /// A header value on one line: controls (CR, LF, …) become spaces; non-ASCII text is encoded
    /// as an RFC 2047 word.
    static func headerValue(_ text: String) -> String {
        let flat = String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        guard flat.unicodeScalars.contains(where: { $0.value > 0x7E }) else { return flat }
        return "=?utf-8?B?" + Data(flat.utf8).base64EncodedString() + "?="
    }

    /// The message: headers, a blank line, the body with CR LF line ends and dot-stuffing.
    static func message(from: String, to: [String], subject: String, body: String, id: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var lines = [
            "From: <\(from)>", "To: " + to.map { "<\($0)>" }.joined(separator: ", "),
            "Subject: \(headerValue(subject))", "Date: \(formatter.string(from: date))",
            "Message-ID: <\(id)@charter>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit", "Auto-Submitted: auto-generated", "",
        ]
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            let clean = line.replacingOccurrences(of: "\r", with: "")
            lines.append(clean.hasPrefix(".") ? "." + clean : clean)
        }
        return lines.joined(separator: "\r\n")
    }

    /// Sends `message` from `from` to `to`.
    func send(from: String, to: [String], message: String) async throws(Failure) {
        for address in [from] + to where !Self.isSafeAddress(address) {
            throw Failure(
                message: "the address `\(Excerpt.cut(address))` is not one a mail can name", permanent: true)
        }
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            try await channel.executeThenClose { inbound, outbound in
                var session = SMTPSession(inbound: inbound.makeAsyncIterator(), outbound: outbound)
                try await session.expect(220)
                var features = try await session.command("EHLO charter", expect: 250)
                let offersTLS = features.dropFirst().contains { $0.uppercased().hasPrefix("STARTTLS") }
                var encrypted = false
                if security != .none && offersTLS {
                    _ = try await session.command("STARTTLS", expect: 220)
                    let context = try NIOSSLContext(configuration: tls)
                    let name = Self.isAddress(host) ? nil : host
                    let raw = channel.channel
                    // First in the pipeline: every byte from here on is TLS.
                    try await raw.eventLoop.submit {
                        try raw.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: name), position: .first)
                    }.get()
                    encrypted = true
                    features = try await session.command("EHLO charter", expect: 250)
                } else if security == .required {
                    throw Failure(
                        message:
                            "the SMTP server does not offer STARTTLS, and `tls: required` sends nothing in the clear",
                        permanent: true)
                }
                if let username, let password {
                    guard encrypted || Self.isLoopback(host) else {
                        throw Failure(
                            message:
                                "the SMTP server does not offer STARTTLS; the password is not sent in the clear",
                            permanent: true)
                    }
                    let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                    _ = try await session.command("AUTH PLAIN \(token)", expect: 235, shown: "AUTH PLAIN ***")
                }
                _ = try await session.command("MAIL FROM:<\(from)>", expect: 250)
                for address in to { _ = try await session.command("RCPT TO:<\(address)>", expect: 250) }
                _ = try await session.command("DATA", expect: 354)
                _ = try await session.command(message + "\r\n.", expect: 250, shown: "the message")
                try? await session.write("QUIT")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "the SMTP server could not be reached: \(error)", permanent: false)
        }
    }
}

/// The reply-reading half of an SMTP conversation.
private struct SMTPSession {
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var pending: [UInt8] = []

    static let maximumLine = 4096
    static let maximumLines = 100

    mutating func write(_ line: String) async throws {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
    }

    /// Sends `line` and reads the reply; `shown` is what an error calls the command.
    mutating func command(_ line: String, expect code: Int, shown: String? = nil) async throws -> [String] {
        try await write(line)
        return try await expect(code, after: shown ?? line)
    }

    /// Reads one reply (its lines without codes) and checks its code: a 4xx may pass, a 5xx will not.
    @discardableResult
    mutating func expect(_ code: Int, after command: String? = nil) async throws -> [String] {
        var lines: [String] = []
        while true {
            let line = try await readLine()
            guard line.count >= 3, let got = Int(line.prefix(3)) else {
                throw SMTPClient.Failure(message: "the SMTP server's reply is not SMTP", permanent: false)
            }
            lines.append(String(line.dropFirst(4)))
            guard lines.count <= Self.maximumLines else {
                throw SMTPClient.Failure(message: "the SMTP server's reply is too long", permanent: false)
            }
            if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
            guard got == code else {
                let after = command.map { " to \(Excerpt.cut($0, limit: 40))" } ?? ""
                let said = Excerpt.cut(line, limit: 200)
                throw SMTPClient.Failure(
                    message: "the SMTP server answered\(after): \(said)", permanent: got >= 500)
            }
            return lines
        }
    }

    mutating func readLine() async throws -> String {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<end])
                pending.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count <= Self.maximumLine else {
                throw SMTPClient.Failure(message: "the SMTP server sent a line over 4096 bytes", permanent: false)
            }
            guard let buffer = try await inbound.next() else {
                throw SMTPClient.Failure(message: "the SMTP server closed the connection", permanent: false)
            }
            pending += buffer.readableBytesView
        }
    }
}
