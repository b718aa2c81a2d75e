import Testing

@testable import CharterServer

@Suite struct ConfigurationTests {
    @Test func noSecretIsRefusedUnlessAllowed() {
        #expect(throws: WebhookServerError.self) { try makeServer(secret: nil) }
        do {
            _ = try makeServer(secret: nil)
        } catch {
            #expect(error.kind == .missingSecret)
        }
    }

    @Test(arguments: ["0.0.0.0", "192.168.1.10", "::", "example.com", "127.0.0.1.example.com"])
    func unauthenticatedModeIsRefusedOffLoopback(_ host: String) {
        let configuration = WebhookServerConfiguration(host: host, port: 0, secret: nil, allowUnauthenticated: true)
        do {
            _ = try WebhookServer(configuration: configuration)
            Issue.record("unauthenticated mode started on \(host)")
        } catch {
            #expect(error.kind == .unauthenticatedNotLoopback)
        }
    }

    @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
    func unauthenticatedModeIsAllowedOnLoopback(_ host: String) throws {
        let configuration = WebhookServerConfiguration(host: host, port: 0, secret: nil, allowUnauthenticated: true)
        _ = try WebhookServer(configuration: configuration)
    }

    @Test func aSecretMayListenOnAnyAddress() throws {
        _ = try WebhookServer(configuration: WebhookServerConfiguration(host: "0.0.0.0", port: 0, secret: secret))
    }

    @Test(arguments: [-1, 65536])
    func anOutOfRangePortIsRefused(_ port: Int) {
        #expect(throws: WebhookServerError.self) {
            try WebhookServer(configuration: WebhookServerConfiguration(port: port, secret: secret))
        }
    }

    @Test func anEmptySecretIsNoSecret() {
        #expect(WebhookSecret([]) == nil)
        #expect(WebhookSecret(environmentVariable: "HOOK", in: ["HOOK": ""]) == nil)
        #expect(WebhookSecret(environmentVariable: "HOOK", in: [:]) == nil)
        #expect(WebhookSecret(environmentVariable: "HOOK", in: ["HOOK": secretText])?.bytes == Array(secretText.utf8))
    }

    @Test func theSecretNeverPrints() {
        let configuration = WebhookServerConfiguration(port: 0, secret: secret)
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [
            "\(configuration)", String(reflecting: configuration), dumped, "\(secret)", String(reflecting: secret),
        ] {
            #expect(!text.contains(secretText))
        }
        #expect("\(secret)" == "<redacted>")
    }

    @Test func errorsNeverHoldTheSecret() {
        let configuration = WebhookServerConfiguration(host: "0.0.0.0", port: 70000, secret: secret)
        do {
            _ = try WebhookServer(configuration: configuration)
            Issue.record("accepted port 70000")
        } catch {
            #expect(!"\(error)".contains(secretText))
            #expect(!String(reflecting: error).contains(secretText))
        }
    }

    @Test func refsAreReadFromKnownPayloadShapesAndNeverFail() {
        #expect(PushPayload.ref(in: Array(#"{"ref":"refs/heads/main"}"#.utf8)) == "refs/heads/main")
        #expect(
            PushPayload.ref(in: Array("payload=%7B%22ref%22%3A%22refs%2Fheads%2Fdev%22%7D".utf8)) == "refs/heads/dev")
        #expect(PushPayload.ref(in: Array(#"{"object_kind":"build"}"#.utf8)) == nil)
        #expect(PushPayload.ref(in: Array(#"{"ref":"has space"}"#.utf8)) == nil)
        #expect(PushPayload.ref(in: Array(#"{"ref":42}"#.utf8)) == nil)
        #expect(PushPayload.ref(in: Array("[1,2]".utf8)) == nil)
        #expect(PushPayload.ref(in: [0xFF, 0xFE, 0x00]) == nil)
        #expect(PushPayload.ref(in: []) == nil)
    }
}
