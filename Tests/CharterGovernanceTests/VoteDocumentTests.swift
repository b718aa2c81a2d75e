import CharterGovernance
import CharterModel
import Foundation
import Testing

/// The canonical vote payload and signed vote files.
@Suite struct VoteDocumentTests {
    static let hash = "sha256:" + String(repeating: "0123456789abcdef", count: 4)

    static func lenaKey() throws -> SSHPrivateKey {
        try SSHPrivateKey(
            contentsOfFile: SSHKeygenTool.repoRoot.appendingPathComponent("example-repo/demo-keys/lena").path)
    }

    static func lenaPublicKey() throws -> SSHPublicKey {
        try SSHPublicKey(
            authorizedKey: SSHKeygenTool.text(
                SSHKeygenTool.repoRoot.appendingPathComponent("example-repo/demo-keys/lena.pub")))
    }

    static func document(comment: String? = nil) throws -> VoteDocument {
        try VoteDocument(
            proposal: "P-0007", changeSetHash: hash, decision: "approve", voter: "lena", time: "2025-03-01T12:00:00Z",
            comment: comment)
    }

    @Test func canonicalBytesAreStable() throws {
        #expect(
            String(decoding: try Self.document().canonicalBytes, as: UTF8.self)
                == #"{"changeSetHash":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","#
                + #""decision":"approve","proposal":"P-0007","time":"2025-03-01T12:00:00Z","voter":"lena"}"#)
        #expect(
            String(decoding: try Self.document(comment: "LGTM \"ship\" it\nüber").canonicalBytes, as: UTF8.self)
                == #"{"changeSetHash":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","#
                + #""comment":"LGTM \"ship\" it\nüber","decision":"approve","proposal":"P-0007","#
                + #""time":"2025-03-01T12:00:00Z","voter":"lena"}"#)
    }

    @Test func fieldsAreValidated() throws {
        func make(
            proposal: String = "P-0007", hash: String = Self.hash, decision: String = "approve", voter: String = "lena",
            time: String = "2025-03-01T12:00:00Z"
        ) throws(VoteDocumentError) -> VoteDocument {
            try VoteDocument(proposal: proposal, changeSetHash: hash, decision: decision, voter: voter, time: time)
        }
        for decision in ["approve", "reject", "abstain"] { _ = try make(decision: decision) }
        _ = try make(proposal: "nightly-2025-03-01/deploy")
        _ = try make(time: "2024-02-29T23:59:59Z")

        let bad: [(String, () throws(VoteDocumentError) -> VoteDocument)] = [
            ("decision", { () throws(VoteDocumentError) in try make(decision: "yes") }),
            ("decision", { () throws(VoteDocumentError) in try make(decision: "Approve") }),
            ("changeSetHash", { () throws(VoteDocumentError) in try make(hash: "sha256:abc") }),
            ("changeSetHash", { () throws(VoteDocumentError) in try make(hash: Self.hash.uppercased()) }),
            (
                "changeSetHash",
                { () throws(VoteDocumentError) in try make(hash: "sha1:" + String(repeating: "a", count: 40)) }
            ),
            ("voter", { () throws(VoteDocumentError) in try make(voter: "Lena") }),
            ("voter", { () throws(VoteDocumentError) in try make(voter: "") }),
            ("proposal", { () throws(VoteDocumentError) in try make(proposal: "") }),
            ("proposal", { () throws(VoteDocumentError) in try make(proposal: "P-0007/") }),
            ("proposal", { () throws(VoteDocumentError) in try make(proposal: "../P-0007") }),
            ("proposal", { () throws(VoteDocumentError) in try make(proposal: "P 7") }),
            ("time", { () throws(VoteDocumentError) in try make(time: "2025-03-01T12:00:00.5Z") }),
            ("time", { () throws(VoteDocumentError) in try make(time: "2025-03-01T12:00:00+01:00") }),
            ("time", { () throws(VoteDocumentError) in try make(time: "2025-03-01 12:00:00Z") }),
            ("time", { () throws(VoteDocumentError) in try make(time: "2025-02-29T12:00:00Z") }),
            ("time", { () throws(VoteDocumentError) in try make(time: "2025-03-01T24:00:00Z") }),
            ("time", { () throws(VoteDocumentError) in try make(time: "2025-03-01t12:00:00z") }),
        ]
        for (field, build) in bad {
            let error = #expect(throws: VoteDocumentError.self) { try build() }
            #expect(error?.field == field)
        }
        #expect(throws: VoteDocumentError.self) {
            try VoteDocument(
                proposal: "P-1", changeSetHash: Self.hash, decision: "approve", voter: "lena",
                time: "2025-03-01T12:00:00Z", comment: String(repeating: "x", count: 5000))
        }
    }

    @Test func timestamps() throws {
        #expect(VoteDocument.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(VoteDocument.timestamp(Date(timeIntervalSince1970: 1_740_830_400.9)) == "2025-03-01T12:00:00Z")
        #expect(VoteDocument.timestamp(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(VoteDocument.timestamp(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        let now = Date()
        let doc = try VoteDocument(
            proposal: "P-0001", changeSetHash: Self.hash, decision: "reject", voter: "maria", date: now)
        #expect(abs(doc.date.timeIntervalSince(now)) < 1)
        #expect(doc.time == VoteDocument.timestamp(now))
        #expect(doc.time == now.ISO8601Format())
    }

    @Test func signedVoteRoundTripsAndVerifies() throws {
        let key = try Self.lenaKey()
        let lena = try Self.lenaPublicKey()
        let vote = try Self.document(comment: "looks right").signed(with: key)
        #expect(try vote.verify(allowedKeys: [lena]) == lena)

        let json = vote.json
        #expect(json.hasPrefix("{\n  \"changeSetHash\""))
        #expect(json.contains("\"signature\": \"-----BEGIN SSH SIGNATURE-----\\n"))
        let decoded = try SignedVote(json: json)
        #expect(decoded == vote)
        #expect(try decoded.verify(allowedKeys: [lena]) == lena)
        #expect(try SignedVote(value: vote.value) == vote)
        #expect(try VoteDocument(value: vote.document.value) == vote.document)
    }

    @Test(.enabled(if: SSHKeygenTool.isAvailable, "needs /usr/bin/ssh-keygen"))
    func sshKeygenVerifiesAVote() throws {
        let dir = try SSHKeygenTool.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vote = try Self.document().signed(with: Self.lenaKey())
        let payload = dir.appendingPathComponent("payload.json")
        try Data(vote.document.canonicalBytes).write(to: payload)
        let sig = dir.appendingPathComponent("payload.json.sig")
        try SSHKeygenTool.write(vote.signature, to: sig)
        let allowed = dir.appendingPathComponent("allowed_signers")
        try SSHKeygenTool.write("lena \(try Self.lenaPublicKey().authorizedKey)\n", to: allowed)
        let r = try SSHKeygenTool.run(
            ["-Y", "verify", "-f", allowed.path, "-I", "lena", "-n", Governance.voteNamespace, "-s", sig.path],
            stdin: payload)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func anyChangedFieldBreaksTheSignature() throws {
        let lena = try Self.lenaPublicKey()
        let vote = try Self.document(comment: "fine").signed(with: Self.lenaKey())
        let fingerprint = lena.fingerprint
        let edits: [(String, Value)] = [
            ("decision", "reject"), ("decision", "abstain"),
            ("changeSetHash", .string("sha256:" + String(repeating: "f", count: 64))),
            ("proposal", "P-0008"), ("voter", "maria"), ("time", "2025-03-01T12:00:01Z"), ("comment", "fine!"),
        ]
        guard case .object(let fields) = vote.value else { Issue.record("not an object"); return }
        for (field, newValue) in edits {
            var edited = fields
            edited[field] = newValue
            let forged = try SignedVote(value: .object(edited))
            #expect(throws: SSHSignatureError.badSignature(fingerprint: fingerprint), "\(field)") {
                try forged.verify(allowedKeys: [lena])
            }
        }
        var withoutComment = fields
        withoutComment["comment"] = nil
        #expect(throws: SSHSignatureError.badSignature(fingerprint: fingerprint)) {
            try SignedVote(value: .object(withoutComment)).verify(allowedKeys: [lena])
        }
        // A stored payload is never trusted: extra fields are refused outright.
        var withPayload = fields
        withPayload["payload"] = .string(CanonicalJSON.string(vote.document.value))
        let error = #expect(throws: VoteDocumentError.self) { try SignedVote(value: .object(withPayload)) }
        #expect(error?.field == "payload")
        var withoutSignature = fields
        withoutSignature["signature"] = nil
        #expect(throws: VoteDocumentError(field: "signature", message: "missing")) {
            try SignedVote(value: .object(withoutSignature))
        }
        #expect(throws: VoteDocumentError.self) { try SignedVote(json: "{\"decision\": ") }
        #expect(throws: VoteDocumentError.self) { try SignedVote(json: "[]") }
    }

    @Test func otherKeysAndNamespacesDoNotCount() throws {
        let lena = try Self.lenaPublicKey()
        let document = try Self.document()
        let maria = try SSHPrivateKey(
            contentsOfFile: SSHKeygenTool.repoRoot.appendingPathComponent("example-repo/demo-keys/maria").path)
        // Maria signs a vote claiming to be Lena's: her key is not among Lena's keys.
        let impostor = try document.signed(with: maria)
        #expect(throws: SSHSignatureError.keyNotAllowed(fingerprint: maria.publicKey.fingerprint)) {
            try impostor.verify(allowedKeys: [lena])
        }
        // Lena's signature over the same bytes for git is not a vote.
        let gitSignature = try SSHSignature.sign(
            message: document.canonicalBytes, namespace: "git", key: Self.lenaKey())
        #expect(throws: SSHSignatureError.wrongNamespace(expected: "charter-vote", found: "git")) {
            try SignedVote(document: document, signature: gitSignature).verify(allowedKeys: [lena])
        }
        #expect(throws: SSHSignatureError.self) {
            try SignedVote(document: document, signature: "not a signature").verify(allowedKeys: [lena])
        }
    }
}
