import CharterGovernance
import CharterTestSupport
import Foundation
import Testing

/// Runs OpenSSH's `ssh-keygen` for the SSH signature tests: real keys, real signatures.
enum SSHKeygenTool {
    typealias Output = ProcessRunner.Result

    static let path = "/usr/bin/ssh-keygen"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// The repository root (this file is `Tests/CharterGovernanceTests/SSHSignatureTests.swift`).
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @discardableResult
    static func run(_ arguments: [String], stdin: URL? = nil) throws -> Output {
        try ProcessRunner.run(URL(fileURLWithPath: path), arguments, input: stdin)
    }

    /// A fresh temporary directory, removed by the caller.
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charter-sshsig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Generates a key with `ssh-keygen -t ed25519 -N passphrase -f dir/name`; returns the private key path.
    static func generate(_ name: String, in dir: URL, type: String = "ed25519", passphrase: String = "") throws -> URL {
        let file = dir.appendingPathComponent(name)
        let r = try run(["-q", "-t", type, "-N", passphrase, "-C", "\(name)@test.example", "-f", file.path])
        #expect(r.status == 0, "ssh-keygen -t \(type) failed: \(r.stderr)")
        return file
    }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }
    static func write(_ text: String, to url: URL) throws { try Data(text.utf8).write(to: url) }
}

/// SSHSIG signatures checked against OpenSSH itself, in both directions.
@Suite(.enabled(if: SSHKeygenTool.isAvailable, "needs /usr/bin/ssh-keygen"))
struct SSHSignatureTests {
    let namespace = "charter-vote"

    // MARK: Keys

    @Test func publicKeyLineFingerprintAndWireBytes() throws {
        let dir = try SSHKeygenTool.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = try SSHKeygenTool.generate("ada", in: dir)
        let line = try SSHKeygenTool.text(URL(fileURLWithPath: keyFile.path + ".pub"))
        let key = try SSHPublicKey(authorizedKey: line)
        #expect(key.comment == "ada@test.example")
        #expect(key.rawRepresentation.count == 32)
        #expect(key.wireBytes.count == 4 + 11 + 4 + 32)
        let fields = line.split(separator: " ")
        #expect(key.authorizedKey == "\(fields[0]) \(fields[1])")
        let listed = try SSHKeygenTool.run(["-l", "-E", "sha256", "-f", keyFile.path + ".pub"])
        #expect(listed.status == 0)
        #expect(listed.stdout.split(separator: " ")[1] == Substring(key.fingerprint))
        #expect(key.description == "ssh-ed25519 \(key.fingerprint)")

        // Round trips and equality ignore the comment.
        #expect(try SSHPublicKey(wireBytes: key.wireBytes) == key)
        #expect(try SSHPublicKey(authorizedKey: key.authorizedKey) == key)
        #expect(try SSHPublicKey(authorizedKey: key.authorizedKey).comment == nil)

        let priv = try SSHPrivateKey(contentsOfFile: keyFile.path)
        #expect(priv.publicKey == key)
        #expect(priv.comment == "ada@test.example")
    }

    @Test func otherKeyTypesAreRefused() throws {
        let dir = try SSHKeygenTool.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ecdsa = try SSHKeygenTool.generate("ecdsa", in: dir, type: "ecdsa")
        let line = try SSHKeygenTool.text(URL(fileURLWithPath: ecdsa.path + ".pub"))
        #expect(throws: SSHKeyError.unsupportedKeyType("ecdsa-sha2-nistp256")) {
            try SSHPublicKey(authorizedKey: line)
        }
        // An ecdsa blob labelled ssh-ed25519 is refused by its embedded type.
        let blob = line.split(separator: " ")[1]
        #expect(throws: SSHKeyError.unsupportedKeyType("ecdsa-sha2-nistp256")) {
            try SSHPublicKey(authorizedKey: "ssh-ed25519 \(blob)")
        }
        #expect(throws: SSHKeyError.unsupportedKeyType("ssh-rsa")) {
            try SSHPublicKey(authorizedKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x")
        }
        let error = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(contentsOfFile: ecdsa.path) }
        #expect(error == .unsupportedKeyType("ecdsa-sha2-nistp256"))
        #expect(error?.description.contains("only ssh-ed25519") == true)

        for bad in [
            "", "ssh-ed25519", "ssh-ed25519 !!!notbase64", "ssh-ed25519 AAAA", "no-agent-forwarding ssh-ed25519 AAAA",
        ] {
            #expect(throws: SSHKeyError.self, "\(bad)") { try SSHPublicKey(authorizedKey: bad) }
        }
        #expect(throws: SSHKeyError.self) { try SSHPublicKey(rawRepresentation: [1, 2, 3]) }
    }

    // MARK: OpenSSH signs, Charter verifies

    @Test(arguments: [nil, "sha256", "sha512"])
    func verifiesSignaturesMadeBySSHKeygen(hashalg: String?) throws {
        let dir = try SSHKeygenTool.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = try SSHKeygenTool.generate("voter", in: dir)
        let key = try SSHPublicKey(authorizedKey: SSHKeygenTool.text(URL(fileURLWithPath: keyFile.path + ".pub")))
        let other = try SSHPrivateKey(
            contentsOfFile: SSHKeygenTool.generate("other", in: dir).path)

        let message = Array("{\"decision\":\"approve\",\"proposal\":\"P-0007\"}\n".utf8)
        let msgFile = dir.appendingPathComponent("msg")
        try Data(message).write(to: msgFile)
        var args = ["-Y", "sign", "-n", namespace, "-f", keyFile.path]
        if let hashalg { args += ["-O", "hashalg=\(hashalg)"] }
        let signed = try SSHKeygenTool.run(args + [msgFile.path])
        #expect(signed.status == 0, "\(signed.stderr)")
        let armored = try SSHKeygenTool.text(URL(fileURLWithPath: msgFile.path + ".sig"))

        let signer = try SSHSignature.verify(
            armored: armored, message: message, namespace: namespace, allowedKeys: [other.publicKey, key])
        #expect(signer == key)
        #expect(signer.comment == "voter@test.example")
        let parsed = try SSHSignature(armored: armored)
        #expect(parsed.hashAlgorithm == (hashalg ?? "sha512"))
        #expect(parsed.namespace == namespace)
        #expect(parsed.armored == armored)  // our armor writer matches ssh-keygen's byte for byte

        // Refusals on the same real signature.
        #expect(throws: SSHSignatureError.badSignature(fingerprint: key.fingerprint)) {
            try SSHSignature.verify(
                armored: armored, message: message + [0x20], namespace: namespace, allowedKeys: [key])
        }
        #expect(throws: SSHSignatureError.keyNotAllowed(fingerprint: key.fingerprint)) {
            try SSHSignature.verify(
                armored: armored, message: message, namespace: namespace, allowedKeys: [other.publicKey])
        }
        #expect(throws: SSHSignatureError.wrongNamespace(expected: "git", found: namespace)) {
            try SSHSignature.verify(armored: armored, message: message, namespace: "git", allowedKeys: [key])
        }
    }

    @Test func gitNamespaceSignatureIsNotAVote() throws {
        let dir = try SSHKeygenTool.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = try SSHKeygenTool.generate("voter", in: dir)
        let key = try SSHPrivateKey(contentsOfFile: keyFile.path).publicKey
        let msgFile = dir.appendingPathComponent("commit")
        let message = Array("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nchange\n".utf8)
        try Data(message).write(to: msgFile)
        let r = try SSHKeygenTool.run(["-Y", "sign", "-n", "git", "-f", keyFile.path, msgFile.path])
        #expect(r.status == 0, "\(r.stderr)")
        let armored = try SSHKeygenTool.text(URL(fileURLWithPath: msgFile.path + ".sig"))
        #expect(throws: SSHSignatureError.wrongNamespace(expected: "charter-vote", found: "git")) {
            try SSHSignature.verify(armored: armored, message: message, namespace: namespace, allowedKeys: [key])
        }
        // The same signature is genuine in its own namespace.
        #expect(
            try SSHSignature.verify(armored: armored, message: message, namespace: "git", allowedKeys: [key]) == key)
    }

    // MARK: Charter signs, OpenSSH verifies

    @Test(arguments: SSHSignatureHash.allCases)
    func sshKeygenVerifiesOurSignatures(hash: SSHSignatureHash) throws {
        let dir = try SSHKeygenTool.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = try SSHKeygenTool.generate("voter", in: dir)
        let key = try SSHPrivateKey(contentsOfFile: keyFile.path)
        let message = Array("{\"voter\":\"lena\",\"decision\":\"approve\"} ünïcode\n".utf8)
        let msgFile = dir.appendingPathComponent("msg")
        try Data(message).write(to: msgFile)
        let armored = try SSHSignature.sign(message: message, namespace: namespace, key: key, hash: hash)
        #expect(armored.hasPrefix("-----BEGIN SSH SIGNATURE-----\n"))
        #expect(armored.hasSuffix("\n-----END SSH SIGNATURE-----\n"))
        #expect(armored.split(separator: "\n").allSatisfy { $0.count <= 70 })
        let sigFile = dir.appendingPathComponent("msg.sig")
        try SSHKeygenTool.write(armored, to: sigFile)
        let allowed = dir.appendingPathComponent("allowed_signers")
        try SSHKeygenTool.write("voter \(key.publicKey.authorizedKey)\n", to: allowed)

        let verified = try SSHKeygenTool.run(
            ["-Y", "verify", "-f", allowed.path, "-I", "voter", "-n", namespace, "-s", sigFile.path], stdin: msgFile)
        #expect(verified.status == 0, "ssh-keygen -Y verify: \(verified.stdout) \(verified.stderr)")
        let checked = try SSHKeygenTool.run(
            ["-Y", "check-novalidate", "-n", namespace, "-s", sigFile.path], stdin: msgFile)
        #expect(checked.status == 0, "ssh-keygen -Y check-novalidate: \(checked.stderr)")
        // ssh-keygen refuses it under another namespace or for another message, as we do.
        let otherNamespace = try SSHKeygenTool.run(
            ["-Y", "verify", "-f", allowed.path, "-I", "voter", "-n", "git", "-s", sigFile.path], stdin: msgFile)
        #expect(otherNamespace.status != 0)
        let tampered = dir.appendingPathComponent("tampered")
        try Data(message + [0x0A]).write(to: tampered)
        let tamperedResult = try SSHKeygenTool.run(
            ["-Y", "verify", "-f", allowed.path, "-I", "voter", "-n", namespace, "-s", sigFile.path], stdin: tampered)
        #expect(tamperedResult.status != 0)

        #expect(
            try SSHSignature.verify(
                armored: armored, message: message, namespace: namespace, allowedKeys: [key.publicKey])
                == key.publicKey)

        #if os(Linux)
            // Ed25519 is deterministic (BoringSSL), so ssh-keygen's signature is the same text.
            var args = ["-Y", "sign", "-n", namespace, "-f", keyFile.path]
            if hash == .sha256 { args += ["-O", "hashalg=sha256"] }
            let theirs = dir.appendingPathComponent("theirs")
            try Data(message).write(to: theirs)
            #expect(try SSHKeygenTool.run(args + [theirs.path]).status == 0)
            #expect(try SSHKeygenTool.text(URL(fileURLWithPath: theirs.path + ".sig")) == armored)
        #endif
    }

    // MARK: Refusals

    @Test func malformedAndForgedSignaturesAreRefused() throws {
        let dir = try SSHKeygenTool.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try SSHPrivateKey(contentsOfFile: SSHKeygenTool.generate("voter", in: dir).path)
        let allowed = [key.publicKey]
        let message = Array("vote".utf8)
        let armored = try SSHSignature.sign(message: message, namespace: namespace, key: key)
        let good = try SSHSignature(armored: armored)
        func verify(_ text: String) throws {
            try SSHSignature.verify(armored: text, message: message, namespace: namespace, allowedKeys: allowed)
        }
        func armor(_ blob: [UInt8]) -> String {
            "-----BEGIN SSH SIGNATURE-----\n" + Data(blob).base64EncodedString() + "\n-----END SSH SIGNATURE-----\n"
        }
        func wireString(_ b: [UInt8]) -> [UInt8] {
            let n = UInt32(b.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + b
        }
        /// A blob with chosen fields and the genuine key and signature bytes.
        func blob(
            magic: String = "SSHSIG", version: UInt8 = 1, namespace ns: String? = nil, hash: String = "sha512"
        )
            -> [UInt8]
        {
            Array(magic.utf8) + [0, 0, 0, version] + wireString(key.publicKey.wireBytes)
                + wireString(Array((ns ?? namespace).utf8)) + wireString([]) + wireString(Array(hash.utf8))
                + wireString(wireString(Array("ssh-ed25519".utf8)) + wireString(good.signatureBytes))
        }

        try verify(armor(blob()))  // the reconstruction is faithful
        #expect(throws: SSHSignatureError.unsupportedVersion(2)) { try verify(armor(blob(version: 2))) }
        #expect(throws: SSHSignatureError.unsupportedVersion(0)) { try verify(armor(blob(version: 0))) }
        #expect(throws: SSHSignatureError.badMagic) { try verify(armor(blob(magic: "SSHSIH"))) }
        #expect(throws: SSHSignatureError.unsupportedHashAlgorithm("sha1")) { try verify(armor(blob(hash: "sha1"))) }
        #expect(throws: SSHSignatureError.unsupportedHashAlgorithm("SHA512")) {
            try verify(armor(blob(hash: "SHA512")))
        }
        // Changing the hash name or namespace inside the blob breaks the signature.
        #expect(throws: SSHSignatureError.badSignature(fingerprint: key.publicKey.fingerprint)) {
            try verify(armor(blob(hash: "sha256")))
        }
        #expect(throws: SSHSignatureError.badSignature(fingerprint: key.publicKey.fingerprint)) {
            try SSHSignature.verify(
                armored: armor(blob(namespace: "charter-votes")), message: message, namespace: "charter-votes",
                allowedKeys: allowed)
        }
        #expect(throws: SSHSignatureError.emptyNamespace) {
            try SSHSignature.verify(armored: armored, message: message, namespace: "", allowedKeys: allowed)
        }
        #expect(throws: SSHSignatureError.emptyNamespace) {
            try SSHSignature.sign(message: message, namespace: "", key: key)
        }

        // Truncated and garbled blobs and armor.
        let full = blob()
        for cut in [3, 8, 20, 60, full.count - 1] {
            #expect(throws: SSHSignatureError.self, "cut at \(cut)") { try verify(armor(Array(full.prefix(cut)))) }
        }
        #expect(throws: SSHSignatureError.malformedBlob("the signature blob has trailing bytes")) {
            try verify(armor(full + [0]))
        }
        var flipped = full
        flipped[full.count - 10] ^= 0x01
        #expect(throws: SSHSignatureError.badSignature(fingerprint: key.publicKey.fingerprint)) {
            try verify(armor(flipped))
        }
        let lines = armored.split(separator: "\n").map(String.init)
        let cases: [(String, String)] = [
            ("no END line", lines.dropLast().joined(separator: "\n")),
            ("no BEGIN line", lines.dropFirst().joined(separator: "\n")),
            ("empty body", "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n"),
            ("garbled base64", armored.replacingOccurrences(of: "U1NIU0lH", with: "U1N*U0lH")),
            ("missing a body line", ([lines[0]] + lines[2...]).joined(separator: "\n")),
            ("empty text", ""),
            ("PGP armor", "-----BEGIN PGP SIGNATURE-----\nAAAA\n-----END PGP SIGNATURE-----\n"),
            ("trailing text", armored + "extra\n"),
        ]
        for (name, text) in cases {
            let error = #expect(throws: SSHSignatureError.self, "\(name)") { try verify(text) }
            switch error {
            case .malformedArmor?, .malformedBlob?, .badMagic?: break
            default: Issue.record("\(name): unexpected \(String(describing: error))")
            }
        }
        // Tolerated: CRLF line ends and surrounding blank lines, as ssh-keygen does.
        try verify("\n" + armored.replacingOccurrences(of: "\n", with: "\r\n") + "\n")
    }

    // MARK: Private keys

    @Test func encryptedKeysAreRefusedWithoutLeakingKeyMaterial() throws {
        let dir = try SSHKeygenTool.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let encrypted = try SSHKeygenTool.generate("locked", in: dir, passphrase: "secret")
        let error = #expect(throws: SSHKeyError.passphraseProtected) {
            try SSHPrivateKey(contentsOfFile: encrypted.path)
        }
        #expect(error?.description == "the key is passphrase-protected; use ssh-agent or an unencrypted demo key")
        try expectNoKeyMaterial(in: String(describing: error), keyFile: encrypted)

        // A corrupted unencrypted key: each failure names the problem but never the key.
        let plain = try SSHKeygenTool.generate("plain", in: dir)
        let text = try SSHKeygenTool.text(plain)
        let body = text.split(separator: "\n").dropFirst().dropLast().joined()
        var blob = Array(Data(base64Encoded: body)!)
        let privateKey = try SSHPrivateKey(openSSH: text)
        for rendering in [
            String(describing: privateKey), String(reflecting: privateKey), dumpText(privateKey),
            "\(privateKey.publicKey)",
        ] {
            try expectNoKeyMaterial(in: rendering, keyFile: plain)
            #expect(rendering.contains(privateKey.publicKey.fingerprint))
        }
        // The first check number sits right after the header, the public key and the section length.
        let checkOffset = 15 + (4 + 4) * 2 + 4 + 4 + 4 + (4 + 11 + 4 + 32) + 4
        blob[checkOffset] ^= 0xFF
        let corrupted =
            "-----BEGIN OPENSSH PRIVATE KEY-----\n"
            + Data(blob).base64EncodedString(
                options: .lineLength64Characters) + "\n-----END OPENSSH PRIVATE KEY-----\n"
        let mismatch = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: corrupted) }
        #expect(mismatch?.description.contains("check numbers differ") == true)
        try expectNoKeyMaterial(in: String(describing: mismatch), keyFile: plain)

        #expect(throws: SSHKeyError.notOpenSSHPrivateKey) {
            try SSHPrivateKey(openSSH: SSHKeygenTool.text(URL(fileURLWithPath: plain.path + ".pub")))
        }
        #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: String(text.dropLast(40))) }
        let missing = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(contentsOfFile: dir.path + "/nope") }
        #expect(missing == .unreadable(path: dir.path + "/nope", reason: "no such file"))
    }

    func dumpText(_ value: some Any) -> String {
        var out = ""
        dump(value, to: &out)
        return out
    }

    /// No 16-character run of the key file's base64 body, and neither the seed's hex nor base64,
    /// appears in `text`.
    func expectNoKeyMaterial(in text: String, keyFile: URL) throws {
        let body = try SSHKeygenTool.text(keyFile).split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let chars = Array(body)
        var i = 0
        while i + 16 <= chars.count {
            let chunk = String(chars[i..<(i + 16)])
            #expect(!text.contains(chunk), "key material in: \(text.prefix(40))…")
            i += 8
        }
    }

    // MARK: Example repository

    @Test func exampleRepoDemoKeysSignAndVerify() throws {
        let demoKeys = SSHKeygenTool.repoRoot.appendingPathComponent("example-repo/demo-keys")
        let names = try FileManager.default.contentsOfDirectory(atPath: demoKeys.path)
            .filter { !$0.contains(".") }.sorted()
        #expect(names.count >= 5)
        let people = SSHKeygenTool.repoRoot.appendingPathComponent("example-repo/people")
        var keysByName: [String: SSHPublicKey] = [:]
        for name in names {
            let yaml = try SSHKeygenTool.text(people.appendingPathComponent("\(name).yaml"))
            let lines = yaml.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let keyLines = lines.filter { $0.hasPrefix("- ssh-") }.map { String($0.dropFirst(2)) }
            #expect(keyLines.count == 1, "\(name).yaml sshKeys")
            keysByName[name] = try SSHPublicKey(authorizedKey: keyLines[0])
        }
        let allKeys = Array(keysByName.values)
        for name in names {
            let key = try SSHPrivateKey(contentsOfFile: demoKeys.appendingPathComponent(name).path)
            #expect(key.publicKey == keysByName[name], "demo-keys/\(name) matches people/\(name).yaml")
            let message = Array("demo vote by \(name)".utf8)
            let armored = try SSHSignature.sign(message: message, namespace: namespace, key: key)
            #expect(
                try SSHSignature.verify(armored: armored, message: message, namespace: namespace, allowedKeys: allKeys)
                    == keysByName[name])
            let others = allKeys.filter { $0 != keysByName[name] }
            #expect(throws: SSHSignatureError.keyNotAllowed(fingerprint: key.publicKey.fingerprint)) {
                try SSHSignature.verify(armored: armored, message: message, namespace: namespace, allowedKeys: others)
            }
        }
    }
}
