import Crypto
import Foundation

/// The message digest an SSH signature is made over (`ssh-keygen -Y sign -O hashalg=…`).
public enum SSHSignatureHash: String, Sendable, CaseIterable {
    /// SHA-256.
    case sha256
    /// SHA-512, the `ssh-keygen` default.
    case sha512

    func digest(_ message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: Array(SHA256.hash(data: message))
        case .sha512: Array(SHA512.hash(data: message))
        }
    }
}

/// Why an SSH signature was refused or could not be made.
public enum SSHSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not a `-----BEGIN SSH SIGNATURE-----` block with a base64 body.
    case malformedArmor(String)
    /// The decoded signature blob is truncated, has trailing bytes or an invalid field.
    case malformedBlob(String)
    /// The blob does not start with `SSHSIG`.
    case badMagic
    /// The SSHSIG version is not 1.
    case unsupportedVersion(UInt32)
    /// The namespace is empty (the SSHSIG specification forbids it).
    case emptyNamespace
    /// The signature was made for another namespace (a git commit signature uses `git`).
    case wrongNamespace(expected: String, found: String)
    /// The signing key or signature algorithm is not `ssh-ed25519`.
    case unsupportedKeyType(String)
    /// The message digest is neither `sha256` nor `sha512`.
    case unsupportedHashAlgorithm(String)
    /// The signing key is not among the allowed keys (its fingerprint).
    case keyNotAllowed(fingerprint: String)
    /// The signature does not match the message and key (its key's fingerprint).
    case badSignature(fingerprint: String)
    /// The signing primitive failed.
    case signingFailed

    public var description: String {
        switch self {
        case .malformedArmor(let reason): return "malformed SSH signature armor: \(reason)"
        case .malformedBlob(let reason): return "malformed SSH signature: \(reason)"
        case .badMagic: return "not an SSH signature (the 'SSHSIG' magic is missing)"
        case .unsupportedVersion(let v): return "unsupported SSH signature version \(v) (only version 1 is supported)"
        case .emptyNamespace: return "an SSH signature namespace must not be empty"
        case .wrongNamespace(let expected, let found):
            return
                "the signature was made for namespace \(SSHText.printable(found)), not \(SSHText.printable(expected))"
        case .unsupportedKeyType(let type):
            return "unsupported signature key type \(SSHText.printable(type)); only ssh-ed25519 is accepted"
        case .unsupportedHashAlgorithm(let alg):
            return "unsupported signature hash algorithm \(SSHText.printable(alg)); expected sha256 or sha512"
        case .keyNotAllowed(let fingerprint): return "the signing key \(fingerprint) is not one of the allowed keys"
        case .badSignature(let fingerprint): return "the signature by \(fingerprint) does not match the message"
        case .signingFailed: return "signing failed"
        }
    }
}

/// An SSH signature in the SSHSIG format of `ssh-keygen -Y sign` (openssh-portable `PROTOCOL.sshsig`),
/// restricted to ed25519 keys.
///
/// The signed data is `SSHSIG` ‖ string namespace ‖ string reserved ‖ string hash_algorithm ‖
/// string H(message); ed25519 signs it directly. The namespace keeps signatures from crossing
/// purposes: a git commit signature (namespace `git`) never verifies as a vote (`charter-vote`).
public struct SSHSignature: Sendable, Equatable {
    /// The key that made the signature, as embedded in the signature (not yet trusted).
    public let publicKey: SSHPublicKey
    /// The namespace the signature was made for.
    public let namespace: String
    /// The digest algorithm name over the message (`sha256` or `sha512` when valid).
    public let hashAlgorithm: String
    /// The raw 64-byte ed25519 signature.
    public let signatureBytes: [UInt8]
    /// The `reserved` field (empty in every signature OpenSSH makes; ignored).
    let reserved: [UInt8]

    static let magic = Array("SSHSIG".utf8)
    static let version: UInt32 = 1
    static let armorBegin = "-----BEGIN SSH SIGNATURE-----"
    static let armorEnd = "-----END SSH SIGNATURE-----"

    init(publicKey: SSHPublicKey, namespace: String, hashAlgorithm: String, signatureBytes: [UInt8], reserved: [UInt8])
    {
        self.publicKey = publicKey
        self.namespace = namespace
        self.hashAlgorithm = hashAlgorithm
        self.signatureBytes = signatureBytes
        self.reserved = reserved
    }

    /// Parses an armored signature without verifying it (checks the structure, magic and version).
    public init(armored: String) throws(SSHSignatureError) {
        try self.init(blob: Self.dearmor(armored))
    }

    /// Parses a binary SSHSIG blob without verifying it.
    public init(blob: [UInt8]) throws(SSHSignatureError) {
        var reader = SSHWireReader(blob)
        guard let magic = reader.readBytes(Self.magic.count), magic == Self.magic else { throw .badMagic }
        guard let version = reader.readUInt32() else { throw .malformedBlob("the version is missing") }
        guard version == Self.version else { throw .unsupportedVersion(version) }
        guard let keyBlob = reader.readString() else { throw .malformedBlob("the public key is truncated") }
        do {
            publicKey = try SSHPublicKey(wireBytes: keyBlob)
        } catch {
            if case .unsupportedKeyType(let type) = error { throw .unsupportedKeyType(type) }
            throw .malformedBlob("the public key is invalid")
        }
        guard let ns = reader.readString(), let reserved = reader.readString(), let alg = reader.readString(),
            let sigBlob = reader.readString()
        else { throw .malformedBlob("the signature blob is truncated") }
        guard reader.isAtEnd else { throw .malformedBlob("the signature blob has trailing bytes") }
        guard let namespace = String(validating: ns, as: UTF8.self),
            let hashAlgorithm = String(validating: alg, as: UTF8.self)
        else { throw .malformedBlob("the namespace or hash algorithm is not UTF-8") }
        var sigReader = SSHWireReader(sigBlob)
        guard let sigType = sigReader.readString() else { throw .malformedBlob("the signature is truncated") }
        guard sigType == Array(SSHPublicKey.keyType.utf8) else {
            throw .unsupportedKeyType(String(decoding: sigType, as: UTF8.self))
        }
        guard let raw = sigReader.readString(), sigReader.isAtEnd, raw.count == 64 else {
            throw .malformedBlob("an ed25519 signature has 64 bytes")
        }
        self.namespace = namespace
        self.reserved = reserved
        self.hashAlgorithm = hashAlgorithm
        self.signatureBytes = raw
    }

    /// The binary SSHSIG blob.
    public var blob: [UInt8] {
        var w = SSHWireWriter()
        w.raw(Self.magic)
        w.uint32(Self.version)
        w.string(publicKey.wireBytes)
        w.string(namespace)
        w.string(reserved)
        w.string(hashAlgorithm)
        var sig = SSHWireWriter()
        sig.string(SSHPublicKey.keyType)
        sig.string(signatureBytes)
        w.string(sig.bytes)
        return w.bytes
    }

    /// The armored text, exactly as `ssh-keygen -Y sign` writes it: base64 wrapped at 70 columns
    /// (OpenSSH's `sshbuf_dtob64` wrap width, verified against OpenSSH 9.2), ending with a newline.
    public var armored: String {
        let b64 = Array(Data(blob).base64EncodedString().utf8)
        var lines: [String] = [Self.armorBegin]
        var i = 0
        while i < b64.count {
            lines.append(String(decoding: b64[i..<min(i + 70, b64.count)], as: UTF8.self))
            i += 70
        }
        lines.append(Self.armorEnd)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The bytes the ed25519 signature covers.
    static func signedData(namespace: String, reserved: [UInt8], hash: String, digest: [UInt8]) -> [UInt8] {
        var w = SSHWireWriter()
        w.raw(magic)
        w.string(namespace)
        w.string(reserved)
        w.string(hash)
        w.string(digest)
        return w.bytes
    }

    /// Signs `message` for `namespace`; the result is the armored text `ssh-keygen -Y verify` accepts.
    public static func sign(
        message: [UInt8], namespace: String, key: SSHPrivateKey, hash: SSHSignatureHash = .sha512
    ) throws(SSHSignatureError) -> String {
        guard !namespace.isEmpty else { throw .emptyNamespace }
        let data = signedData(namespace: namespace, reserved: [], hash: hash.rawValue, digest: hash.digest(message))
        let raw: [UInt8]
        do {
            raw = try key.ed25519Signature(data)
        } catch {
            throw .signingFailed
        }
        let signature = SSHSignature(
            publicKey: key.publicKey, namespace: namespace, hashAlgorithm: hash.rawValue, signatureBytes: raw,
            reserved: [])
        return signature.armored
    }

    /// Verifies an armored signature over `message` for `namespace`, made by one of `allowedKeys`.
    ///
    /// - Returns: the allowed key that made the signature (with its comment).
    /// - Throws: ``SSHSignatureError``; checks run in order: armor, blob structure, magic, version,
    ///   key type, namespace, hash algorithm, allowed key, signature.
    @discardableResult
    public static func verify(
        armored: String, message: [UInt8], namespace: String, allowedKeys: [SSHPublicKey]
    ) throws(SSHSignatureError) -> SSHPublicKey {
        try SSHSignature(armored: armored).verify(message: message, namespace: namespace, allowedKeys: allowedKeys)
    }

    /// Verifies this signature over `message` for `namespace`, made by one of `allowedKeys`.
    ///
    /// - Returns: the allowed key that made the signature (with its comment).
    @discardableResult
    public func verify(
        message: [UInt8], namespace expected: String, allowedKeys: [SSHPublicKey]
    ) throws(SSHSignatureError) -> SSHPublicKey {
        guard !expected.isEmpty else { throw .emptyNamespace }
        guard namespace == expected else { throw .wrongNamespace(expected: expected, found: namespace) }
        guard let hash = SSHSignatureHash(rawValue: hashAlgorithm) else {
            throw .unsupportedHashAlgorithm(hashAlgorithm)
        }
        guard let allowed = allowedKeys.first(where: { $0.wireBytes == publicKey.wireBytes }) else {
            throw .keyNotAllowed(fingerprint: publicKey.fingerprint)
        }
        let data = Self.signedData(
            namespace: namespace, reserved: reserved, hash: hashAlgorithm, digest: hash.digest(message))
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: allowed.rawRepresentation),
            key.isValidSignature(signatureBytes, for: data)
        else { throw .badSignature(fingerprint: allowed.fingerprint) }
        return allowed
    }

    /// Decodes the armor: the BEGIN line, base64 lines, the END line (surrounding blank lines and
    /// `\r` are tolerated).
    static func dearmor(_ text: String) throws(SSHSignatureError) -> [UInt8] {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let begin = lines.firstIndex(where: { !$0.isEmpty }), lines[begin] == armorBegin else {
            throw .malformedArmor("expected '\(armorBegin)' first")
        }
        guard let end = lines[(begin + 1)...].firstIndex(of: armorEnd) else {
            throw .malformedArmor("the '\(armorEnd)' line is missing")
        }
        guard lines[(end + 1)...].allSatisfy(\.isEmpty) else { throw .malformedArmor("text follows the END line") }
        let body = lines[(begin + 1)..<end].joined()
        guard !body.isEmpty else { throw .malformedArmor("the signature body is empty") }
        guard let data = Data(base64Encoded: body) else { throw .malformedArmor("the body is not valid base64") }
        return Array(data)
    }
}
