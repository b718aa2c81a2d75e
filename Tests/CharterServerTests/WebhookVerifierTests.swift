import HTTPTypes
import Testing

@testable import CharterServer

@Suite struct WebhookVerifierTests {
    let verifier = WebhookVerifier(secret: secret)

    @Test(arguments: Scheme.allCases)
    func acceptsTheRightSecret(_ scheme: Scheme) throws {
        let delivery = try verifier.verify(headers: scheme.headers(for: pushBody), body: pushBody).get()
        #expect(delivery.provider == scheme.provider)
    }

    @Test(arguments: Scheme.allCases)
    func refusesAWrongSecret(_ scheme: Scheme) {
        let result = verifier.verify(headers: scheme.headers(for: pushBody, key: "wrong"), body: pushBody)
        #expect(throws: WebhookRejection.self) { try result.get() }
    }

    @Test(arguments: [Scheme.github, .gitea, .forgejo])
    func refusesATamperedBody(_ scheme: Scheme) {
        let tampered = pushBody + Array(" ".utf8)
        let result = verifier.verify(headers: scheme.headers(for: pushBody), body: tampered)
        #expect(throws: WebhookRejection(reason: "signature mismatch")) { try result.get() }
    }

    @Test func refusesAMissingSignature() {
        let headers: HTTPFields = [field("X-GitHub-Event"): "push"]
        #expect(throws: WebhookRejection.self) { try verifier.verify(headers: headers, body: pushBody).get() }
    }

    @Test func refusesMalformedSignatures() {
        let cases: [HTTPFields] = [
            [field("X-Hub-Signature-256"): hmacHex(pushBody)],  // no sha256= prefix
            [field("X-Hub-Signature-256"): "sha256=zz"],
            [field("X-Hub-Signature-256"): "sha1=" + hmacHex(pushBody)],
            [field("X-Gitea-Signature"): "not hex"],
            [.authorization: "Basic " + secretText],
        ]
        for headers in cases {
            #expect(throws: WebhookRejection.self) { try verifier.verify(headers: headers, body: pushBody).get() }
        }
    }

    @Test func theBearerSchemeIsCaseInsensitive() throws {
        let headers: HTTPFields = [.authorization: "bearer " + secretText]
        _ = try verifier.verify(headers: headers, body: pushBody).get()
    }

    @Test func aSignaturePrefixOrSuffixOfTheSecretIsRefused() {
        for token in [String(secretText.dropLast()), secretText + "x", ""] {
            let headers: HTTPFields = [field("X-Gitlab-Token"): token]
            #expect(throws: WebhookRejection.self) { try verifier.verify(headers: headers, body: pushBody).get() }
        }
    }

    @Test(arguments: Scheme.allCases)
    func everySchemeComparesThroughTheConstantTimeFunction(_ scheme: Scheme) throws {
        let calls = Counter()
        var spy = WebhookVerifier(secret: secret)
        spy.compare = { a, b in
            calls.increment()
            // Fixed-size digests on both sides: the secret's length never shows in the timing.
            #expect(a.count == 32 && b.count == 32)
            return ConstantTime.equals(a, b)
        }
        _ = try spy.verify(headers: scheme.headers(for: pushBody), body: pushBody).get()
        _ = spy.verify(headers: scheme.headers(for: pushBody, key: "wrong"), body: pushBody)
        #expect(calls.value == 2)
    }

    @Test func theDefaultComparisonIsConstantTime() {
        let verifier = WebhookVerifier(secret: secret)
        let probe: [UInt8] = [1, 2, 3]
        #expect(verifier.compare(probe, probe) == ConstantTime.equals(probe, probe))
        #expect(!verifier.compare(probe, [1, 2, 4]))
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals([], []))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([1, 2], [1, 2, 0]))
        #expect(!ConstantTime.equals([], [0]))
    }

    @Test func hexDecoding() {
        #expect(Hex.decode("00ffA0") == [0, 255, 160])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }

    @Test func giteaIsRecognizedBeforeItsGitHubCompatibilityHeader() {
        let headers: HTTPFields = [field("X-GitHub-Event"): "push", field("X-Gitea-Event"): "push"]
        #expect(WebhookVerifier.identify(headers).provider == .gitea)
        #expect(WebhookVerifier.identify([:]) == VerifiedDelivery(provider: .generic, event: nil))
    }

    @Test func unauthenticatedModeAcceptsUnsignedDeliveries() throws {
        let open = WebhookVerifier(secret: nil)
        let delivery = try open.verify(headers: [field("X-Gitlab-Event"): "Push Hook"], body: pushBody).get()
        #expect(delivery == VerifiedDelivery(provider: .gitlab, event: "Push Hook"))
    }
}
