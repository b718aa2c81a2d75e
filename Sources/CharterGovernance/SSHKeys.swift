import Crypto
import Foundation

/// Why an SSH key could not be read. Descriptions name the problem and never contain key material.
public enum SSHKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key type is not `ssh-ed25519` (Charter accepts only ed25519 keys).
    case unsupportedKeyType(String)
    /// A public key line or public key blob is not well formed.
    case malformedPublicKey(String)
    /// The text is not an OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`).
    case notOpenSSHPrivateKey
    /// An OpenSSH private key file is not well formed.
    case malformedPrivateKey(String)
    /// The private key is encrypted with a passphrase.
    case passphraseProtected
    /// A private key file could not be read.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedKeyType(let type):
            return "unsupported SSH key type \(SSHText.printable(type)); Charter accepts only ssh-ed25519 keys"
        case .malformedPublicKey(let reason):
            return "malformed SSH public key: \(reason)"
        case .notOpenSSHPrivateKey:
            return "not an OpenSSH private key (expected a '-----BEGIN OPENSSH PRIVATE KEY-----' block)"
        case .malformedPrivateKey(let reason):
            return "malformed OpenSSH private key: \(reason)"
        case .passphraseProtected:
            return "the key is passphrase-protected; use ssh-agent or an unencrypted demo key"
        case .unreadable(let path, let reason):
            return "cannot read the private key file \(path): \(reason)"
        }
    }
}

/// An ed25519 SSH public key, as listed in a Person's `sshKeys` (`ssh-ed25519 AAAA… comment`).
///
/// Two keys are equal when their key bytes are equal; the comment does not take part.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The SSH key type name; the only one Charter accepts.
    public static let keyType = "ssh-ed25519"

    /// The 32 raw bytes of the ed25519 public key.
    public let rawRepresentation: [UInt8]
    /// The comment after the key on an `authorized_keys` line (often an e-mail address), if any.
    public let comment: String?

    /// A key from its 32 raw ed25519 bytes.
    public init(rawRepresentation: [UInt8], comment: String? = nil) throws(SSHKeyError) {
        guard rawRepresentation.count == 32 else {
            throw .malformedPublicKey("an ed25519 key has 32 bytes, not \(rawRepresentation.count)")
        }
        self.rawRepresentation = rawRepresentation
        self.comment = comment
    }

    /// A key from its SSH wire encoding: string `ssh-ed25519` ‖ string key (RFC 4251 strings).
    public init(wireBytes: [UInt8], comment: String? = nil) throws(SSHKeyError) {
        var reader = SSHWireReader(wireBytes)
        guard let type = reader.readString() else { throw .malformedPublicKey("the key blob is truncated") }
        guard type == Array(Self.keyType.utf8) else { throw .unsupportedKeyType(String(decoding: type, as: UTF8.self)) }
        guard let key = reader.readString(), reader.isAtEnd else {
            throw .malformedPublicKey("the key blob is truncated or has trailing bytes")
        }
        try self.init(rawRepresentation: key, comment: comment)
    }

    /// A key from an `authorized_keys`-style line: `ssh-ed25519 <base64> [comment]`.
    ///
    /// Lines with options before the key type, and key types other than `ssh-ed25519`, are refused.
    public init(authorizedKey line: String) throws(SSHKeyError) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = trimmed.split(maxSplits: 2, omittingEmptySubsequences: true) { $0 == " " || $0 == "\t" }
        guard let typeField = fields.first else { throw .malformedPublicKey("the line is empty") }
        let type = String(typeField)
        guard type == Self.keyType else {
            if SSHText.knownKeyTypes.contains(type) { throw .unsupportedKeyType(type) }
            throw .malformedPublicKey("expected 'ssh-ed25519 <base64> [comment]'")
        }
        guard fields.count >= 2, let blob = Data(base64Encoded: String(fields[1])) else {
            throw .malformedPublicKey("the key is not valid base64")
        }
        let comment = fields.count == 3 ? String(fields[2]) : nil
        try self.init(wireBytes: Array(blob), comment: comment)
    }

    /// The SSH wire encoding: string `ssh-ed25519` ‖ string key. This is what SSHSIG embeds.
    public var wireBytes: [UInt8] {
        var writer = SSHWireWriter()
        writer.string(Self.keyType)
        writer.string(rawRepresentation)
        return writer.bytes
    }

    /// `ssh-ed25519 <base64>`, without the comment (the form of an `allowed_signers` entry).
    public var authorizedKey: String {
        Self.keyType + " " + Data(wireBytes).base64EncodedString()
    }

    /// The fingerprint `ssh-keygen -lf` prints: `SHA256:` and unpadded base64 of SHA-256(wire bytes).
    public var fingerprint: String {
        var b64 = Data(SHA256.hash(data: wireBytes)).base64EncodedString()
        while b64.hasSuffix("=") { b64.removeLast() }
        return "SHA256:" + b64
    }

    /// `ssh-ed25519 SHA256:…`.
    public var description: String { Self.keyType + " " + fingerprint }

    public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}

/// An ed25519 private key read from an unencrypted OpenSSH private key file, for signing votes.
///
/// Its description, debug description and mirror show only the public key's fingerprint.
public struct SSHPrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let signingKey: Curve25519.Signing.PrivateKey
    /// The matching public key.
    public let publicKey: SSHPublicKey
    /// The comment stored in the key file (often an e-mail address).
    public let comment: String

    /// A key from its 32-byte ed25519 seed.
    public init(ed25519Seed seed: [UInt8], comment: String = "") throws(SSHKeyError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .malformedPrivateKey("an ed25519 seed has 32 bytes")
        }
        self.signingKey = key
        self.publicKey = try SSHPublicKey(
            rawRepresentation: Array(key.publicKey.rawRepresentation), comment: comment.isEmpty ? nil : comment)
        self.comment = comment
    }

    /// A key from the text of an OpenSSH private key file (`ssh-keygen -t ed25519 -N ""`).
    ///
    /// Only unencrypted files holding one ed25519 key are accepted; an encrypted key is refused
    /// with ``SSHKeyError/passphraseProtected``.
    public init(openSSH text: String) throws(SSHKeyError) {
        let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
        let end = "-----END OPENSSH PRIVATE KEY-----"
        let lines = text.split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        guard let first = lines.firstIndex(of: begin) else { throw .notOpenSSHPrivateKey }
        guard let last = lines[(first + 1)...].firstIndex(of: end) else {
            throw .malformedPrivateKey("the END line is missing")
        }
        guard let data = Data(base64Encoded: lines[(first + 1)..<last].joined()) else {
            throw .malformedPrivateKey("the body is not valid base64")
        }
        try self.init(openSSHBlob: Array(data))
    }

    /// A key from an OpenSSH private key file on disk.
    public init(contentsOfFile path: String) throws(SSHKeyError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason =
                FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .notOpenSSHPrivateKey }
        try self.init(openSSH: text)
    }

    /// Decodes the binary `openssh-key-v1` format (openssh-portable `PROTOCOL.key`).
    init(openSSHBlob blob: [UInt8]) throws(SSHKeyError) {
        let magic = Array("openssh-key-v1".utf8) + [0]
        var reader = SSHWireReader(blob)
        guard reader.readBytes(magic.count) == magic else {
            throw .malformedPrivateKey("the 'openssh-key-v1' header is missing")
        }
        guard let cipher = reader.readString(), let kdf = reader.readString(), reader.readString() != nil else {
            throw .malformedPrivateKey("the header is truncated")
        }
        guard cipher == Array("none".utf8), kdf == Array("none".utf8) else { throw .passphraseProtected }
        guard let count = reader.readUInt32() else { throw .malformedPrivateKey("the header is truncated") }
        guard count == 1 else { throw .malformedPrivateKey("the file holds \(count) keys; expected exactly one") }
        guard let outerPublic = reader.readString(), let section = reader.readString(), reader.isAtEnd else {
            throw .malformedPrivateKey("the key section is truncated or has trailing bytes")
        }
        let publicKey = try SSHPublicKey(wireBytes: outerPublic)

        var inner = SSHWireReader(section)
        guard let check1 = inner.readUInt32(), let check2 = inner.readUInt32() else {
            throw .malformedPrivateKey("the private section is truncated")
        }
        guard check1 == check2 else {
            throw .malformedPrivateKey("the check numbers differ (wrong passphrase or corrupt file)")
        }
        guard let type = inner.readString() else { throw .malformedPrivateKey("the private section is truncated") }
        guard type == Array(SSHPublicKey.keyType.utf8) else {
            throw .unsupportedKeyType(String(decoding: type, as: UTF8.self))
        }
        guard let innerPublic = inner.readString(), let secret = inner.readString(), let comment = inner.readString()
        else { throw .malformedPrivateKey("the private section is truncated") }
        guard secret.count == 64 else { throw .malformedPrivateKey("an ed25519 private key has 64 bytes") }
        // Padding: 1, 2, 3… up to the cipher block size (8 for "none").
        let padding = inner.remainingBytes
        guard padding.count < 8, padding.enumerated().allSatisfy({ $0.element == UInt8($0.offset + 1) }) else {
            throw .malformedPrivateKey("the private section has invalid padding")
        }
        try self.init(ed25519Seed: Array(secret[0..<32]), comment: String(decoding: comment, as: UTF8.self))
        let derived = self.publicKey.rawRepresentation
        guard derived == innerPublic, derived == Array(secret[32..<64]), derived == publicKey.rawRepresentation else {
            throw .malformedPrivateKey("the public and private halves do not match")
        }
    }

    /// Signs `message` with ed25519 (the signature covers `message` itself).
    func ed25519Signature(_ message: [UInt8]) throws -> [UInt8] {
        Array(try signingKey.signature(for: message))
    }

    /// `SSHPrivateKey(ssh-ed25519 SHA256:…)`: the public fingerprint only.
    public var description: String { "SSHPrivateKey(\(publicKey))" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror that shows the public key only.
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct) }
}

/// Reads RFC 4251 encodings: big-endian `uint32` and length-prefixed `string`.
struct SSHWireReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }
    var remainingBytes: [UInt8] { Array(bytes[offset...]) }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func readUInt32() -> UInt32? {
        guard let b = readBytes(4) else { return nil }
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    mutating func readString() -> [UInt8]? {
        let start = offset
        guard let length = readUInt32(), let value = readBytes(Int(length)) else {
            offset = start
            return nil
        }
        return value
    }
}

/// Writes RFC 4251 encodings.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    mutating func uint32(_ v: UInt32) {
        bytes.append(contentsOf: [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)])
    }

    mutating func string(_ b: [UInt8]) {
        uint32(UInt32(b.count))
        bytes.append(contentsOf: b)
    }

    mutating func string(_ s: String) { string(Array(s.utf8)) }
}

/// Text helpers for error messages.
enum SSHText {
    static let knownKeyTypes: Set<String> = [
        "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-ed448",
        "ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
    ]

    /// A short, quoted, printable-ASCII rendering of untrusted text for an error message.
    static func printable(_ s: String, limit: Int = 64) -> String {
        var out = ""
        for scalar in s.unicodeScalars.prefix(limit) {
            out += scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F ? String(scalar) : "?"
        }
        if s.unicodeScalars.count > limit { out += "…" }
        return "'" + out + "'"
    }
}
