import CharterTestSupport
import Foundation
import Testing

/// The JSON API of a real `charter controller --http-listen`, over real HTTP: the views agree with
/// the CLI's, access follows the listener and the token's scope, a run is started and cancelled,
/// and a vote signed by a client that is not Charter (ssh-keygen) is verified, committed and counted.
@Suite(.serialized) struct APICLITests {
    static let readToken = "read-0123456789abcdef0123456789abcdef"
    static let operatorToken = "operator-0123456789abcdef0123456789abcdef"

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func theAPIServesTheCLIsViewsAndTakesSignedVotes() async throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        try commitResearchRename(repo)
        let controller = try ControllerProcess(
            charter,
            [
                repo.root.path, "--interval", "1s", "--http-listen", "127.0.0.1:0", "--read-token-env", "READ_TOKEN",
                "--operator-token-env", "OPERATOR_TOKEN",
            ],
            environment: ["READ_TOKEN": Self.readToken, "OPERATOR_TOKEN": Self.operatorToken])
        let port = try await controller.webhookPort()
        try await controller.waitForLine(containing: "ready: the first pass completed")

        // Status: the same fields as `charter status -o json`, plus the pass's conditions.
        let status = try #require(try await RawConnection.exchange("GET", "/api/v1/status", port: port))
        #expect(status.status == 200)
        let object = try json(status.body) as? [String: Any]
        let cli = try json(try charter.run(["status", "-o", "json"]).stdout) as? [String: Any]
        #expect(object?["appliedRevision"] as? String == cli?["appliedRevision"] as? String)
        let conditions = object?["conditions"] as? [[String: Any]] ?? []
        #expect(conditions.contains { $0["type"] as? String == "Reconciling" && $0["status"] as? String == "True" })

        // Resources and proposals.
        let teams = try #require(try await RawConnection.exchange("GET", "/api/v1/resources/teams", port: port))
        #expect((try json(teams.body) as? [[String: Any]])?.count == 5)
        let unknown = try #require(try await RawConnection.exchange("GET", "/api/v1/resources/teems", port: port))
        #expect(unknown.status == 404 && unknown.body.contains("unknown kind"))
        let proposal = try #require(try await RawConnection.exchange("GET", "/api/v1/proposals/P-0001", port: port))
        #expect(proposal.status == 200, "\(proposal.body)")
        let p = try json(proposal.body) as? [String: Any]
        let hash = try #require(p?["changeSetHash"] as? String)
        #expect((p?["plan"] as? [String: Any])?["changeSetHash"] as? String == hash)

        // Writes need the operator scope, even on loopback.
        let start = #"{"template": "routine-health"}"#
        let anonymous = try #require(try await RawConnection.exchange("POST", "/api/v1/runs", body: start, port: port))
        #expect(anonymous.status == 401)
        let reader = try #require(
            try await RawConnection.exchange(
                "POST", "/api/v1/runs", headers: ["Authorization": "Bearer \(Self.readToken)"], body: start, port: port)
        )
        #expect(reader.status == 403)
        let wrong = try #require(
            try await RawConnection.exchange(
                "POST", "/api/v1/runs", headers: ["Authorization": "Bearer nope-nope-nope-nope"], body: start,
                port: port))
        #expect(wrong.status == 401)
        // The dashboard's cookie is no credential for the API: another site's form cannot write.
        let cookie = try #require(
            try await RawConnection.exchange(
                "POST", "/api/v1/runs", headers: ["Cookie": "charter_token=\(Self.operatorToken)"], body: start,
                port: port))
        #expect(cookie.status == 401)
        let unknownTemplate = try #require(
            try await RawConnection.exchange(
                "POST", "/api/v1/runs", headers: ["Authorization": "Bearer \(Self.operatorToken)"],
                body: #"{"template": "nope"}"#, port: port))
        #expect(unknownTemplate.status == 422 && unknownTemplate.body.contains("no applied template"))
        let started = try #require(
            try await RawConnection.exchange(
                "POST", "/api/v1/runs", headers: ["Authorization": "Bearer \(Self.operatorToken)"], body: start,
                port: port))
        #expect(started.status == 201, "\(started.body)")
        let runID = try #require((try json(started.body) as? [String: Any])?["id"] as? String)
        let run = try #require(try await RawConnection.exchange("GET", "/api/v1/runs/\(runID)", port: port))
        #expect(run.status == 200 && run.body.contains(runID))
        let listed = try #require(try await RawConnection.exchange("GET", "/api/v1/runs?limit=5", port: port))
        #expect(listed.body.contains(runID))

        // An unsigned vote is refused with the verifier's reason; a signed one is committed and counted.
        let document: [String: String] = [
            "proposal": "P-0001", "changeSetHash": hash, "decision": "approve", "voter": "priya",
            "time": "2026-12-05T00:00:00Z",
        ]
        let unsigned = try #require(
            try await RawConnection.exchange(
                "POST", "/api/v1/votes", headers: ["Authorization": "Bearer \(Self.operatorToken)"],
                body: try Self.encode(document), port: port))
        #expect(unsigned.status == 422 && unsigned.body.contains("not signed"), "\(unsigned.body)")
        var signed = document
        signed["signature"] = try Self.sign(document, as: "priya")
        let vote = try #require(
            try await RawConnection.exchange(
                "POST", "/api/v1/votes", headers: ["Authorization": "Bearer \(Self.operatorToken)"],
                body: try Self.encode(signed), port: port))
        #expect(vote.status == 202, "\(vote.body)")
        #expect(try repo.git("ls-tree", "-r", "--name-only", "charter/status", "votes/P-0001/").contains("priya-"))
        try await controller.waitForLine(containing: "needs 1 more approval")

        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
    }

    static func encode(_ document: [String: String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self)
    }

    /// What any client can do: sign the canonical JSON (sorted keys, no spaces) of the vote's fields
    /// with the voter's SSH key in namespace `charter-vote`.
    static func sign(_ document: [String: String], as voter: String) throws -> String {
        let directory = makeTemporaryDirectory("sign")
        let key = directory.appendingPathComponent("key")
        try FileManager.default.copyItem(
            at: GitFixture.exampleRepo.appendingPathComponent("demo-keys/\(voter)"), to: key)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        let message = directory.appendingPathComponent("vote.json")
        let canonical = try JSONSerialization.data(
            withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        try canonical.write(to: message)
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/ssh-keygen"),
            ["-Y", "sign", "-f", key.path, "-n", "charter-vote", message.path])
        #expect(result.status == 0, "\(result.stderr)")
        return try String(contentsOf: directory.appendingPathComponent("vote.json.sig"), encoding: .utf8)
    }
}
