import CharterTestSupport
import Foundation
import Testing

/// Notifications end to end: a Notification in the organization's repository, a real
/// `charter controller`, and a webhook receiver on loopback that checks the HMAC signature as the
/// docs tell receivers to. A proposal pages its board's members once — not every pass, and not
/// again after a restart.
@Suite(.serialized) struct NotificationCLITests {
    static let secret = "whsec-cli-0123456789abcdef0123"

    static let receiverScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/webhook-receiver.py")

    /// What the receiver got, oldest first.
    static func received(_ dir: URL) throws -> [[String: Any]] {
        try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.creationDateKey])
            .filter { $0.pathExtension == "json" }
            .compactMap { url -> (Date, [String: Any])? in
                guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
                else { return nil }
                let created = try url.resourceValues(forKeys: [.creationDateKey]).creationDate ?? .distantPast
                return (created, object)
            }
            .sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The webhook receiver on a free loopback port, and the directory it writes deliveries to.
    static func startReceiver() async throws -> (LoopbackServer, URL) {
        let inbox = makeTemporaryDirectory("inbox")
        let port = try LoopbackServer.freePort()
        let receiver = try LoopbackServer(
            "/usr/bin/env",
            ["python3", receiverScript.path, "--port", String(port), "--dir", inbox.path, "--secret", secret],
            port: port, log: inbox.appendingPathComponent("log.txt"))
        try await receiver.waitUntilListening()
        return (receiver, inbox)
    }

    /// Writes a Notification routing `event` to the receiver's signed `/ok` into `repo`.
    static func addNotification(to repo: GitFixture, _ name: String, event: String, port: UInt16) throws {
        try repo.write(
            "notifications/\(name).yaml",
            """
            apiVersion: charter/v1
            kind: Notification
            metadata:
              name: \(name)
            spec:
              events: [\(event)]
              webhook:
                url: http://127.0.0.1:\(port)/ok
                secret: {env: HOOK_SECRET}
            """)
    }

    static func payload(_ delivery: [String: Any]) throws -> [String: Any] {
        let body = try #require(delivery["body"] as? String)
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func aProposalPagesItsBoardOnceAcrossPassesAndRestarts() async throws {
        let (receiver, inbox) = try await Self.startReceiver()
        defer { receiver.stop() }

        let repo = try exampleClone()
        try Self.addNotification(to: repo, "change-board", event: "proposal.votesNeeded", port: receiver.port)
        _ = try repo.commitAll("Page the change board")
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        try commitResearchRename(repo)

        let arguments = [repo.root.path, "--interval", "1s"]
        let environment = ["HOOK_SECRET": Self.secret]
        var controller = try ControllerProcess(charter, arguments, environment: environment)
        try await controller.waitForLine(containing: "notifications: 1 sent")
        // Two more passes over the same proposal: nothing new to say.
        let passes = controller.log.count
        try await controller.waitForLine(containing: "reason=", after: passes)
        try await controller.waitForLine(containing: "reason=", after: controller.log.count)
        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)

        var got = try Self.received(inbox)
        #expect(got.count == 1, "\(got)")
        let first = try #require(got.first)
        #expect(first["verified"] as? Bool == true, "the receiver could not verify the signature")
        let event = try Self.payload(first)
        #expect(event["type"] as? String == "proposal.votesNeeded")
        #expect(event["subject"] as? String == "P-0001")
        #expect(event["board"] as? String == "change")
        #expect(Set(event["recipients"] as? [String] ?? []) == ["priya", "jonas", "tomasz", "lena"])
        #expect(
            (event["details"] as? [String: Any])?["vote"] as? String == "charter vote P-0001 approve|reject --as NAME")

        // A restart remembers what was sent: the proposal has not changed, so the board is not paged again.
        controller = try ControllerProcess(charter, arguments, environment: environment)
        try await controller.waitForLine(containing: "ready: the first pass completed")
        try await controller.waitForLine(containing: "reason=", after: controller.log.count)
        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
        got = try Self.received(inbox)
        #expect(got.count == 1, "\(got)")

        // Every delivery is an event, and no event carries the secret.
        let log = try charter.run(["log", "-o", "json"]).stdout
        let events = try #require(try JSONSerialization.jsonObject(with: Data(log.utf8)) as? [[String: Any]])
        #expect(events.filter { $0["type"] as? String == "notification.sent" }.count == 1)
        #expect(!log.contains(Self.secret))
    }

    /// While the repository cannot be reached, passes fail before anything is applied — and the
    /// notifications still go out: a run that failed meanwhile pages its route.
    @Test func aFailedRunPagesEvenWhileTheRepositoryCannotBeReached() async throws {
        let (receiver, inbox) = try await Self.startReceiver()
        defer { receiver.stop() }

        let repo = try exampleClone()
        try Self.addNotification(to: repo, "failures", event: "run.failed", port: receiver.port)
        try repo.write(
            "templates/always-fails.yaml",
            """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: always-fails
            spec:
              steps:
                - name: fail
                  type: shell
                  run: exit 3
            """)
        _ = try repo.commitAll("Page failures")
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        // A pass that reaches the repository: the route exists from now on.
        try charter.run(["reconcile", "--once", repo.root.path])
        // The repository goes away; a run fails meanwhile.
        let moved = repo.root.deletingLastPathComponent().appendingPathComponent(UUID().uuidString)
        try FileManager.default.moveItem(at: repo.root, to: moved)
        let failed = try charter.run(["run", "always-fails"])
        #expect(failed.stdout.contains("failed"), "\(failed.stdout)\(failed.stderr)")

        let controller = try ControllerProcess(
            charter, [repo.root.path, "--interval", "1s"], environment: ["HOOK_SECRET": Self.secret])
        try await controller.waitForLine(containing: "reconcile failed")
        try await controller.waitForLine(containing: "notifications: 1 sent")
        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
        let got = try Self.received(inbox)
        #expect(got.count == 1, "\(got)")
        let event = try Self.payload(try #require(got.first))
        #expect(event["type"] as? String == "run.failed")
        #expect((event["details"] as? [String: Any])?["template"] as? String == "always-fails")
    }
}
