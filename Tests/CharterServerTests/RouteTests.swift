import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CharterServer

@Suite struct RouteTests {
    @Test(arguments: Scheme.allCases)
    func aSignedPushIsAcceptedAndTriggers(_ scheme: Scheme) async throws {
        let server = try makeServer()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let response = try await client.execute(
                uri: "/hooks/git", method: .post, headers: scheme.headers(for: pushBody),
                body: ByteBuffer(bytes: pushBody))
            #expect(response.status == .accepted)
        }
        let trigger = try #require(server.triggers.takePending())
        #expect(trigger.provider == scheme.provider)
        #expect(trigger.refs == ["refs/heads/main"])
        #expect(trigger.deliveries == 1)
    }

    @Test(arguments: Scheme.allCases)
    func aWrongSecretIsRefusedWithoutTriggering(_ scheme: Scheme) async throws {
        let server = try makeServer()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let response = try await client.execute(
                uri: "/hooks/git", method: .post, headers: scheme.headers(for: pushBody, key: "wrong-secret"),
                body: ByteBuffer(bytes: pushBody))
            #expect(response.status == .unauthorized)
            #expect(String(buffer: response.body).contains("mismatch"))
        }
        #expect(server.triggers.takePending() == nil)
    }

    @Test func aMissingSignatureIsRefused() async throws {
        let server = try makeServer()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let response = try await client.execute(
                uri: "/hooks/git", method: .post, headers: [field("X-GitHub-Event"): "push"],
                body: ByteBuffer(bytes: pushBody))
            #expect(response.status == .unauthorized)
            #expect(String(buffer: response.body).hasPrefix("missing signature"))
        }
        #expect(server.triggers.takePending() == nil)
    }

    @Test func aPingIsAnsweredWithoutTriggering() async throws {
        let server = try makeServer()
        let body = Array(#"{"zen":"Keep it logically awesome.","hook_id":1}"#.utf8)
        var headers = Scheme.github.headers(for: body)
        headers[field("X-GitHub-Event")] = "ping"
        try await Application(router: server.makeRouter()).test(.router) { [headers] client in
            let response = try await client.execute(
                uri: "/hooks/git", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "pong\n")
        }
        #expect(server.triggers.takePending() == nil)
    }

    @Test func aPingWithAWrongSignatureIsStillRefused() async throws {
        let server = try makeServer()
        var headers = Scheme.github.headers(for: pushBody, key: "wrong")
        headers[field("X-GitHub-Event")] = "ping"
        try await Application(router: server.makeRouter()).test(.router) { [headers] client in
            let response = try await client.execute(
                uri: "/hooks/git", method: .post, headers: headers, body: ByteBuffer(bytes: pushBody))
            #expect(response.status == .unauthorized)
        }
    }

    @Test func anOversizedBodyIs413() async throws {
        let server = try makeServer()
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 1)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let response = try await client.execute(
                uri: "/hooks/git", method: .post, headers: Scheme.github.headers(for: body),
                body: ByteBuffer(bytes: body))
            #expect(response.status == .contentTooLarge)
        }
        #expect(server.triggers.takePending() == nil)
    }

    @Test func aBodyAtTheLimitIsRead() async throws {
        let server = try makeServer(maximumBodyBytes: 64)
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 64)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let response = try await client.execute(
                uri: "/hooks/git", method: .post, headers: Scheme.gitea.headers(for: body),
                body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted)
        }
        let trigger = try #require(server.triggers.takePending())
        #expect(trigger.refs.isEmpty)  // not JSON: still a trigger, just without a ref
    }

    @Test func aBodyWithoutALengthIsCutOffWhileReading() async {
        let body = RequestBody(buffer: ByteBuffer(bytes: [UInt8](repeating: 0, count: 65)))
        #expect(await WebhookServer.collect(body, declaredLength: nil, limit: 64) == nil)
        let fits = RequestBody(buffer: ByteBuffer(bytes: [UInt8](repeating: 0, count: 64)))
        #expect(await WebhookServer.collect(fits, declaredLength: nil, limit: 64)?.count == 64)
    }

    @Test func aBurstCoalescesIntoOneTrigger() async throws {
        let server = try makeServer()
        let refs = ["refs/heads/main", "refs/heads/proposals/a", "refs/heads/main"]
        try await Application(router: server.makeRouter()).test(.router) { client in
            for ref in refs {
                let body = Array(#"{"ref":"\#(ref)"}"#.utf8)
                let response = try await client.execute(
                    uri: "/hooks/git", method: .post, headers: Scheme.github.headers(for: body),
                    body: ByteBuffer(bytes: body))
                #expect(response.status == .accepted)
            }
        }
        let trigger = try #require(server.triggers.takePending())
        #expect(trigger.deliveries == 3)
        #expect(trigger.refs == ["refs/heads/main", "refs/heads/proposals/a"])
        #expect(server.triggers.takePending() == nil)
    }

    @Test func healthz() async throws {
        let server = try makeServer(readiness: Readiness(.starting))
        try await Application(router: server.makeRouter()).test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "ok\n")
        }
    }

    @Test func readyzIs503UntilReadyAndAgainOnceStopping() async throws {
        let readiness = Readiness()
        let server = try makeServer(readiness: readiness)
        try await Application(router: server.makeRouter()).test(.router) { client in
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
            readiness.markReady()
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body) == "ready\n")
            readiness.markStopping()
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
            readiness.markReady()  // never ready again once stopping
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test func deliveriesAreRefusedWith503OnceStopping() async throws {
        let readiness = Readiness(.ready)
        let server = try makeServer(readiness: readiness)
        try await Application(router: server.makeRouter()).test(.router) { client in
            readiness.markStopping()
            let response = try await client.execute(
                uri: "/hooks/git", method: .post, headers: Scheme.github.headers(for: pushBody),
                body: ByteBuffer(bytes: pushBody))
            #expect(response.status == .serviceUnavailable)
            #expect(String(buffer: response.body) == "shutting down\n")
        }
        #expect(server.triggers.takePending() == nil)
    }

    @Test func neitherTheSecretNorTheSignatureAppearsInResponsesOrLogs() async throws {
        let recorder = LogRecorder()
        let server = try makeServer(logger: recorder.logger)
        let signature = hmacHex(pushBody)
        let wrongSignature = hmacHex(pushBody, key: "wrong")
        let attempts: [HTTPFields] =
            Scheme.allCases.flatMap {
                [$0.headers(for: pushBody), $0.headers(for: pushBody, key: "wrong")]
            } + [
                [field("X-Hub-Signature-256"): "sha256=" + secretText],
                [field("X-Gitea-Signature"): secretText],
                [.authorization: "Basic " + secretText],
                [.authorization: "Bearer " + secretText + "x"],
            ]
        try await Application(router: server.makeRouter()).test(.router) { client in
            for headers in attempts {
                let response = try await client.execute(
                    uri: "/hooks/git", method: .post, headers: headers, body: ByteBuffer(bytes: pushBody))
                let text = String(buffer: response.body) + "\(response.headers)"
                for leak in [secretText, signature, wrongSignature] {
                    #expect(!text.contains(leak))
                }
            }
        }
        let logged = recorder.text
        #expect(logged.contains("warning webhook refused"))
        for leak in [secretText, signature, wrongSignature] {
            #expect(!logged.contains(leak))
        }
    }
}
