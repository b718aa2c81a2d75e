import CharterBroker
import CharterFoundation
import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

@testable import CharterControl

/// Notifications against real receivers on loopback: a Python webhook receiver that verifies the
/// HMAC signature as the docs tell receivers to, a Slack-shaped path, and aiosmtpd.
@Suite(.serialized) struct NotificationTests {
    static let secret = "whsec-test-0123456789abcdef"

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name)").path
    }

    static func directory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("charter-notify-\(label)-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A Python fixture listening on a free port, writing what it receives to a directory.
    static func start(_ script: String, _ arguments: [String]) async throws -> (LoopbackServer, URL) {
        let dir = try directory("receiver")
        let port = try LoopbackServer.freePort()
        let server = try LoopbackServer(
            // `python3` from PATH: the interpreter `make deps` installed aiosmtpd for.
            "/usr/bin/env", ["python3", fixture(script), "--port", String(port), "--dir", dir.path] + arguments,
            port: port,
            log: dir.appendingPathComponent("log.txt"))
        try await server.waitUntilListening()
        return (server, dir)
    }

    static func received(_ dir: URL) throws -> [[String: Any]] {
        try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .compactMap { try JSONSerialization.jsonObject(with: Data(contentsOf: $0)) as? [String: Any] }
    }

    /// An organization allowing loopback, with people, a team and `notification`.
    static func org(_ notification: String, email: String = "ada@example.com") -> OrgState {
        let text = """
            apiVersion: charter/v1
            kind: Organization
            metadata: {name: acme}
            spec:
              displayName: Acme
              endpoints: {allowCIDRs: [127.0.0.0/8]}
            ---
            apiVersion: charter/v1
            kind: Person
            metadata: {name: ada}
            spec: {displayName: Ada, email: "\(email)"}
            ---
            apiVersion: charter/v1
            kind: Team
            metadata: {name: ops}
            spec: {displayName: Ops, members: [ada]}
            ---
            apiVersion: charter/v1
            kind: Notification
            metadata: {name: route}
            spec:
            \(notification.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """
        let result = Loader.load([SourceFile(path: "org.yaml", contents: .bytes(Array(text.utf8)))])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        return result.state
    }

    static func notifier(
        _ store: StateStore, timeout: Double = 5, afterSend: @escaping @Sendable (String) throws -> Void = { _ in }
    )
        -> Notifier
    {
        Notifier(
            store: store, credentials: CredentialResolver(environment: ["HOOK_SECRET": secret, "SLACK_URL": "unset"]),
            actor: "test", timeoutSeconds: timeout, retry: NotificationRetry(), observer: nil, seed: 7,
            tls: .makeClientConfiguration(), maxTriesPerPass: 50, afterSend: afterSend)
    }

    static let stalled = Notifier.Inputs(runs: nil, stalled: (reason: "EventsDamaged", message: "events file damaged"))

    static func events(_ store: StateStore) throws -> [Event] {
        try store.events().filter { $0.type.hasPrefix("notification.") }
    }

    @Test func aSignedWebhookIsVerifiedSentOnceAndAgainOnlyAfterTheReminder() async throws {
        let (server, dir) = try await Self.start("webhook-receiver.py", ["--secret", Self.secret])
        defer { server.stop() }
        let store = try StateStore(directory: try Self.directory("store"))
        let clock = ManualClock()
        let org = Self.org(
            """
            events: [controller.stalled]
            reminderInterval: 1h
            webhook:
              url: http://127.0.0.1:\(server.port)/ok
              secret: {env: HOOK_SECRET}
            """)
        let notifier = Self.notifier(store)
        defer { Task { await notifier.shutdown() } }
        let first = await notifier.pass(actual: org, inputs: Self.stalled, now: clock.now)
        #expect(first.sent == 1, "\(first)")
        // The next pass, same stall: deduplicated.
        clock.advance(by: 60)
        #expect(await notifier.pass(actual: org, inputs: Self.stalled, now: clock.now).sent == 0)
        var got = try Self.received(dir)
        #expect(got.count == 1)
        #expect(got.first?["verified"] as? Bool == true, "the receiver could not verify the signature")
        let body = try #require(got.first?["body"] as? String)
        #expect(body.contains("\"type\":\"controller.stalled\""))
        // After the reminder interval it is sent again, with the same delivery id.
        clock.advance(by: 3600)
        #expect(await notifier.pass(actual: org, inputs: Self.stalled, now: clock.now).sent == 1)
        got = try Self.received(dir)
        #expect(got.count == 2)
        let ids = Set(got.compactMap { ($0["headers"] as? [String: String])?["Charter-Delivery"] })
        #expect(ids.count == 1)
        // Ready again: forgotten, and the next stall is news at once.
        _ = await notifier.pass(actual: org, inputs: Notifier.Inputs(runs: nil, stalled: nil), now: clock.now)
        #expect(await notifier.pass(actual: org, inputs: Self.stalled, now: clock.now).sent == 1)
        let recorded = try Self.events(store)
        #expect(recorded.map(\.type) == Array(repeating: "notification.sent", count: 3))
        for e in try store.events() { #expect(!CanonicalJSON.string(e.data).contains(Self.secret)) }
    }

    @Test func a500IsRetriedWithBackoffThenSucceeds() async throws {
        let (server, dir) = try await Self.start("webhook-receiver.py", ["--secret", Self.secret])
        defer { server.stop() }
        let store = try StateStore(directory: try Self.directory("store"))
        let clock = ManualClock()
        let org = Self.org(
            """
            events: [controller.stalled]
            webhook:
              url: http://127.0.0.1:\(server.port)/fail-once
              secret: {env: HOOK_SECRET}
            """)
        let notifier = Self.notifier(store)
        defer { Task { await notifier.shutdown() } }
        #expect(await notifier.pass(actual: org, inputs: Self.stalled, now: clock.now).retrying == 1)
        // Not due before its backoff (at most the first ceiling, 30 s) has passed.
        #expect(await notifier.pass(actual: org, inputs: Self.stalled, now: clock.now).sent == 0)
        clock.advance(by: 31)
        #expect(await notifier.pass(actual: org, inputs: Self.stalled, now: clock.now).sent == 1)
        #expect(try Self.received(dir).count == 2)
        let recorded = try Self.events(store)
        #expect(recorded.map(\.type) == ["notification.retrying", "notification.sent"])
        #expect(recorded.first?.data["reason"]?.string == "the webhook answered HTTP 500")
        #expect(recorded.last?.data["attempt"]?.int == 2)
    }

    @Test func aMissingSecretAndARefusedAddressArePermanentFailuresRecordedWithoutSecrets() async throws {
        let store = try StateStore(directory: try Self.directory("store"))
        let clock = ManualClock()
        let slack = Self.org(
            """
            events: [controller.stalled]
            slack:
              url: {env: NOT_SET_ANYWHERE}
            """)
        let notifier = Self.notifier(store)
        defer { Task { await notifier.shutdown() } }
        #expect(await notifier.pass(actual: slack, inputs: Self.stalled, now: clock.now).failed == 1)
        // Failed: not tried again while the event is the same.
        #expect(await notifier.pass(actual: slack, inputs: Self.stalled, now: clock.now).failed == 0)
        let recorded = try Self.events(store)
        #expect(recorded.map(\.type) == ["notification.failed"])
        let reason = recorded.first?.data["reason"]?.string ?? ""
        #expect(reason.contains("NOT_SET_ANYWHERE"), "\(reason)")
    }

    @Test func aHugeAnswerIsCutAndAReceiverThatNeverAnswersTimesOut() async throws {
        let (server, _) = try await Self.start("webhook-receiver.py", ["--secret", Self.secret])
        defer { server.stop() }
        let store = try StateStore(directory: try Self.directory("store"))
        let clock = ManualClock()
        // A generous deadline for the huge answer (a busy machine is slow to send 8 MiB), a short
        // one for the receiver that never answers.
        let notifier = Self.notifier(store, timeout: 30)
        defer { Task { await notifier.shutdown() } }
        let impatient = Self.notifier(store, timeout: 1)
        defer { Task { await impatient.shutdown() } }
        let huge = Self.org(
            """
            events: [controller.stalled]
            webhook: {url: "http://127.0.0.1:\(server.port)/huge", secret: {env: HOOK_SECRET}}
            """)
        #expect(await notifier.pass(actual: huge, inputs: Self.stalled, now: clock.now).sent == 1)
        let hang = Self.org(
            """
            events: [controller.stalled]
            webhook: {url: "http://127.0.0.1:\(server.port)/hang", secret: {env: HOOK_SECRET}}
            """)
        let started = ContinuousClock.now
        let again = Notifier.Inputs(runs: nil, stalled: (reason: "StillStalled", message: "a new reason"))
        #expect(await impatient.pass(actual: hang, inputs: again, now: clock.now).retrying == 1)
        #expect(ContinuousClock.now - started < .seconds(10))
        let last = try #require(try Self.events(store).last)
        #expect(last.type == "notification.retrying")
        #expect(last.data["reason"]?.string?.contains("did not answer") == true, "\(last.data)")
    }

    @Test func aKillBetweenSendAndRecordSendsTwiceButNeverLoses() async throws {
        let (server, dir) = try await Self.start("webhook-receiver.py", ["--secret", Self.secret])
        defer { server.stop() }
        let dataDir = try Self.directory("store")
        let clock = ManualClock()
        let org = Self.org(
            """
            events: [controller.stalled]
            webhook: {url: "http://127.0.0.1:\(server.port)/ok", secret: {env: HOOK_SECRET}}
            """)
        struct Crash: Error {}
        do {
            let store = try StateStore(directory: dataDir)
            let crashing = Self.notifier(store) { _ in throw Crash() }
            let summary = await crashing.pass(actual: org, inputs: Self.stalled, now: clock.now)
            #expect(summary.sent == 0 && summary.problem != nil)
            await crashing.shutdown()
        }
        // The restarted controller: the same store, nothing recorded, so it sends again.
        let store = try StateStore(directory: dataDir)
        let restarted = Self.notifier(store)
        defer { Task { await restarted.shutdown() } }
        #expect(await restarted.pass(actual: org, inputs: Self.stalled, now: clock.now).sent == 1)
        #expect(try Self.received(dir).count == 2)
        #expect(try Self.events(store).map(\.type) == ["notification.sent"])
    }

    @Test func slackGetsTextAndEscapedMarkup() async throws {
        let (server, dir) = try await Self.start("webhook-receiver.py", ["--secret", Self.secret])
        defer { server.stop() }
        let store = try StateStore(directory: try Self.directory("store"))
        let org = Self.org(
            """
            events: [controller.stalled]
            slack: {url: {env: SLACK_URL}}
            """)
        let notifier = Notifier(
            store: store,
            credentials: CredentialResolver(environment: ["SLACK_URL": "http://127.0.0.1:\(server.port)/slack"]),
            actor: "test", timeoutSeconds: 5, retry: NotificationRetry(), observer: nil, seed: 1,
            tls: .makeClientConfiguration(), maxTriesPerPass: 10, afterSend: { _ in })
        defer { Task { await notifier.shutdown() } }
        let inputs = Notifier.Inputs(runs: nil, stalled: (reason: "X", message: "<!channel> & co"))
        #expect(await notifier.pass(actual: org, inputs: inputs, now: Date()).sent == 1)
        let body = try #require(try Self.received(dir).first?["body"] as? String)
        #expect(body.contains("&lt;!channel&gt; &amp; co"), "\(body)")
        #expect(!body.contains("<!channel>"))
        // The URL is the secret: not in the event log.
        for e in try store.events() { #expect(!CanonicalJSON.string(e.data).contains("/slack")) }
    }

    @Test func emailGoesThroughARealSMTPServerAndHeaderInjectionIsRefused() async throws {
        let (server, dir) = try await Self.start("smtp-server.py", [])
        defer { server.stop() }
        let store = try StateStore(directory: try Self.directory("store"))
        let route = """
            events: [controller.stalled]
            email:
              server: {host: 127.0.0.1, port: \(server.port), tls: none}
              from: charter@example.com
              to: [{team: ops}]
            """
        let notifier = Self.notifier(store)
        defer { Task { await notifier.shutdown() } }
        let inputs = Notifier.Inputs(runs: nil, stalled: (reason: "X", message: "stuck\r\nBcc: evil@example.com"))
        #expect(await notifier.pass(actual: Self.org(route), inputs: inputs, now: Date()).sent == 1)
        let mail = try #require(try Self.received(dir).first)
        #expect(mail["to"] as? [String] == ["ada@example.com"])
        let data = try #require(mail["data"] as? String)
        #expect(data.contains("Subject: [charter] the controller is stalled"))
        // The body may say anything; the headers are what a CR LF must not extend.
        let headers = data.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").first ?? data
        #expect(headers.contains("stuck  Bcc: evil@example.com"))
        #expect(!headers.contains("\nBcc:"), "a CR LF in the event started a header: \(headers)")
        // An address with CR LF in the applied state (the schema refuses it at load) is never sent.
        var hostile = Self.org(route)
        hostile.update([
            ResourceID(.person, "ada"): Resource(
                id: ResourceID(.person, "ada"),
                value: [
                    "apiVersion": "charter/v1", "kind": "Person", "metadata": ["name": "ada"],
                    "spec": ["displayName": "Ada", "email": "ada@example.com>\r\nRCPT TO:<evil@example.com"],
                ])
        ])
        let other = try StateStore(directory: try Self.directory("store"))
        let second = Self.notifier(other)
        defer { Task { await second.shutdown() } }
        #expect(await second.pass(actual: hostile, inputs: inputs, now: Date()).failed == 1)
        #expect(try Self.received(dir).count == 1)
        #expect(try Self.events(other).last?.data["reason"]?.string?.contains("is not one a mail can name") == true)
    }
}
