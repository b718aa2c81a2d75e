import CharterGovernance
import CharterModel
import Foundation
import Testing

/// The one vote rule, on each way a vote file can be wrong.
@Suite struct VoteVerifierTests {
    static let hash = "sha256:" + String(repeating: "ab", count: 32)
    static let other = "sha256:" + String(repeating: "cd", count: 32)

    /// example-repo, whose people hold the demo keys; optionally allowing unsigned votes.
    func state(signed: Bool = true) throws -> OrgState {
        let root = SSHKeygenTool.repoRoot.appendingPathComponent("example-repo")
        let paths = try FileManager.default.subpathsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".yaml") }
        let files = try paths.map { path -> SourceFile in
            var text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            if !signed && path == "organization.yaml" {
                text = text.replacingOccurrences(of: "requireSignedVotes: true", with: "requireSignedVotes: false")
            }
            return SourceFile(path: path, contents: .bytes(Array(text.utf8)))
        }
        return try Loader.load(files).get()
    }

    func key(_ name: String) throws -> SSHPrivateKey {
        try SSHPrivateKey(
            contentsOfFile: SSHKeygenTool.repoRoot.appendingPathComponent("example-repo/demo-keys/\(name)").path)
    }

    func document(_ voter: String = "priya", proposal: String = "P-0001", hash: String = hash) throws -> VoteDocument {
        try VoteDocument(
            proposal: proposal, changeSetHash: hash, decision: "approve", voter: voter, time: "2026-01-01T00:00:00Z")
    }

    func bytes(_ value: Value) -> [UInt8] { Array(CanonicalJSON.string(value).utf8) }

    @Test func aSignatureByTheVotersAppliedKeyIsValid() throws {
        let signed = try document().signed(with: try key("priya"))
        let verdict = VoteVerifier(actual: try state()).check(bytes(signed.value), subject: "P-0001", hash: Self.hash)
        guard case .valid(let d, let signature) = verdict else { Issue.record("\(verdict)"); return }
        #expect(d.voter == "priya" && signature == signed.signature)
    }

    @Test func everyWrongVoteIsRefusedWithItsReason() throws {
        let actual = try state()
        let verifier = VoteVerifier(actual: actual)
        let good = try document().signed(with: try key("priya"))
        let forged = try document().signed(with: try key("jonas"))
        func reason(_ value: Value, subject: String = "P-0001", hash: String? = Self.hash) -> String {
            if case .refused(_, let reason) = verifier.check(bytes(value), subject: subject, hash: hash) {
                return reason
            }
            return "valid"
        }
        #expect(reason(forged.value).contains("does not verify"))
        #expect(reason(good.value, subject: "P-0002").contains("filed under P-0002"))
        #expect(reason(good.value, hash: Self.other).contains("binds to"))
        #expect(reason(try document("nobody-here").signed(with: try key("priya")).value).contains("not a Person"))
        #expect(reason(try document().value).contains("not signed"))
        #expect(reason(["voter": "priya"]).hasPrefix("not a vote document"))
        #expect(verifier.check(Array("{not json".utf8), subject: "P-0001").reason.hasPrefix("not a vote document"))
    }

    @Test func unsignedVotesAreValidOnlyWhereTheOrganizationSaysSo() throws {
        let unsigned = bytes(try document().value)
        #expect(VoteVerifier(actual: try state(signed: false)).check(unsigned, subject: "P-0001").isValid)
        #expect(!VoteVerifier(actual: try state()).check(unsigned, subject: "P-0001").isValid)
    }
}

extension VoteVerifier.Verdict {
    var isValid: Bool {
        if case .valid = self { return true }
        return false
    }
    var reason: String {
        if case .refused(_, let reason) = self { return reason }
        return ""
    }
}
