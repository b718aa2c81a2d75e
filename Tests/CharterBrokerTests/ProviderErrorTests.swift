import CharterBroker
import CharterModel
import Foundation
import Testing

/// Which API a test runs against.
enum ProviderFlavor: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case openAI, anthropic
    var testDescription: String { rawValue }
}

extension ProviderTestServer {
    func provider(
        _ flavor: ProviderFlavor, _ scenario: String, key: String? = secret, overall: Duration? = nil
    )
        -> any CompletionProvider
    {
        switch flavor {
        case .openAI: openAI(scenario, key: key, overall: overall)
        case .anthropic: anthropic(scenario, key: key, overall: overall)
        }
    }
}

/// The error `operation` throws, or nil when it succeeds.
func caught(_ operation: () async throws -> Void) async -> (any Error)? {
    do {
        try await operation()
        return nil
    } catch {
        return error
    }
}

/// The ``CompletionError`` both `complete` and `stream` (collected) throw for `scenario`; they
/// must agree on the kind.
func completionErrors(
    _ server: ProviderTestServer, _ flavor: ProviderFlavor, _ scenario: String, overall: Duration? = nil
) async throws -> (complete: CompletionError, stream: CompletionError) {
    let provider = server.provider(flavor, scenario, overall: overall)
    let request = ProviderOpenAITests.request
    let complete = await caught { _ = try await provider.complete(request) }
    let stream = await caught { _ = try await CompletionResponse(collecting: provider.stream(request)) }
    let first = try #require(complete as? CompletionError, "complete: \(String(describing: complete))")
    let second = try #require(stream as? CompletionError, "stream: \(String(describing: stream))")
    return (first, second)
}

@Suite("HTTP provider errors")
struct ProviderErrorTests {
    @Test(arguments: ProviderFlavor.allCases)
    func classifiesErrorStatuses(_ flavor: ProviderFlavor) async throws {
        try await ProviderTestServer.with { server in
            let expected: [(String, CompletionError.Kind)] = [
                ("ratelimit", .rateLimited(retryAfter: .seconds(7))),
                ("server500", .server(status: 500, retryAfter: nil)),
                ("server503", .server(status: 503, retryAfter: .seconds(3))),
                ("unauthorized", .authentication),
                ("badrequest", .invalidRequest),
                ("no-such-scenario", .invalidRequest),
            ]
            for (scenario, kind) in expected {
                let errors = try await completionErrors(server, flavor, scenario)
                #expect(errors.complete.kind == kind, "\(scenario)")
                #expect(errors.stream.kind == kind, "\(scenario)")
                #expect(errors.complete.message.contains("HTTP "), "\(scenario): \(errors.complete.message)")
            }
            let rateLimited = try await completionErrors(server, flavor, "ratelimit").complete
            #expect(rateLimited.retryAfter == .seconds(7))
            #expect(rateLimited.message.localizedCaseInsensitiveContains("rate limit"))
            #expect(rateLimited.isRetryable)
        }
    }

    @Test func prefersRetryAfterMilliseconds() async throws {
        try await ProviderTestServer.with { server in
            let errors = try await completionErrors(server, .openAI, "ratelimitms")
            #expect(errors.complete.kind == .rateLimited(retryAfter: .milliseconds(1500)))
            #expect(errors.complete.message.hasSuffix("HTTP 429: slow down"))
        }
    }

    /// OpenAI often answers 429 without `retry-after`; the reset of the limit that ran out says how
    /// long the source should cool down.
    @Test func readsTheResetOfTheExhaustedLimitWhenThereIsNoRetryAfter() async throws {
        try await ProviderTestServer.with { server in
            let errors = try await completionErrors(server, .openAI, "ratelimitreset")
            #expect(errors.complete.kind == .rateLimited(retryAfter: .seconds(360)))
        }
    }

    @Test func readsOllamaStyleErrors() async throws {
        try await ProviderTestServer.with { server in
            let errors = try await completionErrors(server, .openAI, "ollamaerror")
            #expect(errors.complete.kind == .invalidRequest)
            #expect(
                errors.complete.message == #"openai-test: HTTP 404: model "gpt-test" not found, try pulling it first"#)
        }
    }

    @Test(arguments: ProviderFlavor.allCases)
    func malformedAnswersAreRetryableServerErrors(_ flavor: ProviderFlavor) async throws {
        try await ProviderTestServer.with { server in
            let errors = try await completionErrors(server, flavor, "malformed")
            for error in [errors.complete, errors.stream] {
                #expect(error.kind == .server(status: 502, retryAfter: nil))
                #expect(error.isRetryable)
                #expect(error.message.contains("invalid answer"), "\(error.message)")
            }
        }
    }

    @Test(arguments: ProviderFlavor.allCases)
    func oversizedAnswersAreCut(_ flavor: ProviderFlavor) async throws {
        try await ProviderTestServer.with { server in
            let errors = try await completionErrors(server, flavor, "oversized")
            #expect(errors.complete.kind == .server(status: 502, retryAfter: nil))
            #expect(errors.complete.message.hasSuffix("the answer is larger than 8388608 bytes"))
            // As an event stream, the never-ending first line breaks the 1 MiB bound on one event.
            #expect(errors.stream.kind == .server(status: 502, retryAfter: nil))
            #expect(errors.stream.message.hasSuffix("an event is larger than 1048576 bytes"))
            // Small events adding up past 8 MiB.
            let flood = await caught {
                _ = try await CompletionResponse(
                    collecting: server.provider(flavor, "flood").stream(ProviderOpenAITests.request))
            }
            let floodError = try #require(flood as? CompletionError)
            #expect(floodError.kind == .server(status: 502, retryAfter: nil))
            #expect(floodError.message.hasSuffix("the event stream is larger than 8388608 bytes"))
        }
    }

    @Test(arguments: ProviderFlavor.allCases)
    func answersWithoutUsageFail(_ flavor: ProviderFlavor) async throws {
        try await ProviderTestServer.with { server in
            let errors = try await completionErrors(server, flavor, "nousage")
            #expect(errors.complete.kind == .server(status: 502, retryAfter: nil))
            #expect(errors.complete.message.hasSuffix("invalid answer: no usage"))
            #expect(errors.stream.kind == .transport)
            #expect(errors.stream.message.contains("the stream ended before the provider reported usage"))
            // The text before the failure still streamed.
            var texts: [String] = []
            await #expect(throws: CompletionError.self) {
                for try await chunk in server.provider(flavor, "nousage").stream(ProviderOpenAITests.request) {
                    if case .text(let text) = chunk { texts.append(text) }
                }
            }
            #expect(texts == ["Hello"])

            let cut = try await completionErrors(server, flavor, "cut").stream
            #expect(cut.kind == .transport)
        }
    }

    @Test func errorsInsideAStreamAreClassified() async throws {
        try await ProviderTestServer.with { server in
            let openAI = try await completionErrors(server, .openAI, "midstream").stream
            #expect(openAI.kind == .server(status: 503, retryAfter: nil))
            #expect(openAI.message.contains("upstream failed"))
            let anthropic = try await completionErrors(server, .anthropic, "midstream").stream
            #expect(anthropic.kind == .server(status: 529, retryAfter: nil))
            #expect(anthropic.message.contains("Overloaded (overloaded_error)"))
        }
    }

    @Test(arguments: ProviderFlavor.allCases)
    func aStalledAnswerTimesOutAfterTheIdleReadBound(_ flavor: ProviderFlavor) async throws {
        // The server pauses 600 ms mid-body; 150 ms of silence is the limit.
        let timeouts = ProviderTimeouts(connect: .seconds(5), idleRead: .milliseconds(150), overall: .seconds(30))
        try await ProviderTestServer.with(timeouts: timeouts) { server in
            let errors = try await completionErrors(server, flavor, "stall")
            for error in [errors.complete, errors.stream] {
                #expect(error.kind == .timeout)
                #expect(error.isRetryable)
                #expect(error.message.contains("idle read"), "\(error.message)")
            }
        }
    }

    @Test(arguments: ProviderFlavor.allCases)
    func aTricklingAnswerTimesOutAfterTheOverallBound(_ flavor: ProviderFlavor) async throws {
        // A byte every 30 ms for 1.2 s: never idle for 2 s, but longer than the 300 ms overall bound,
        // which AsyncHTTPClient's own deadline (head only) would not catch.
        let timeouts = ProviderTimeouts(connect: .seconds(5), idleRead: .seconds(2), overall: .milliseconds(300))
        try await ProviderTestServer.with(timeouts: timeouts) { server in
            let errors = try await completionErrors(server, flavor, "trickle")
            for error in [errors.complete, errors.stream] {
                #expect(error.kind == .timeout)
                #expect(error.message.contains("no complete answer within"), "\(error.message)")
            }
        }
    }

    @Test(arguments: ProviderFlavor.allCases)
    func cancellingTheCallerCancelsTheRequest(_ flavor: ProviderFlavor) async throws {
        try await ProviderTestServer.with { server in
            // The server answers after 3 s; the call must end when cancelled, with CancellationError.
            let provider = server.provider(flavor, "slow")
            let call = Task { try await provider.complete(ProviderOpenAITests.request) }
            await server.log.waitUntil(count: 1)
            call.cancel()
            let result = await call.result
            #expect(throws: CancellationError.self) { try result.get() }
        }
    }

    @Test func connectionFailuresAreTransportErrors() async throws {
        try await ProviderTestServer.with { server in
            // Port 1 on loopback: nothing listens, the connection is refused at once.
            let provider = OpenAICompatibleProvider(
                name: "down", endpoint: "http://127.0.0.1:1/v1", model: "m", apiKey: APIKey(ProviderTestServer.secret),
                client: server.http.client, addresses: ProviderTestServer.loopback)
            let error = await caught { _ = try await provider.complete(ProviderOpenAITests.request) }
            let completionError = try #require(error as? CompletionError)
            #expect(completionError.kind == .transport)
            #expect(completionError.isRetryable)
        }
    }

    /// Without the Organization's allowance, a provider sends nothing to loopback, in any
    /// spelling, even when made without the factory: the server there never hears the request.
    @Test func refusedAddressesAreNotSentTo() async throws {
        try await ProviderTestServer.with { server in
            for host in ["127.0.0.1", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]", "localhost"] {
                let endpoint = "http://\(host):\(server.port)/ok"
                for provider in [
                    OpenAICompatibleProvider(
                        name: "local", endpoint: endpoint + "/v1", model: "m", apiKey: nil, client: server.http.client)
                        as any CompletionProvider,
                    AnthropicProvider(
                        name: "local", endpoint: endpoint, model: "m", apiKey: nil, client: server.http.client),
                ] {
                    let error = await caught { _ = try await provider.complete(ProviderOpenAITests.request) }
                    let completionError = try #require(error as? CompletionError, "\(host)")
                    #expect(completionError.kind == .invalidRequest, "\(host): \(completionError)")
                    #expect(completionError.message.contains("spec.endpoints.allowCIDRs"), "\(completionError)")
                }
                let source = CapacitySource(
                    name: "local",
                    spec: ["provider": "openai", "class": "c", "model": "m", "endpoint": .string(endpoint)])
                #expect(throws: ProviderConfigurationError.self, "\(host)") {
                    _ = try ProviderFactory.make(source: source, client: server.http.client, environment: [:])
                }
            }
            #expect(await server.log.requests.isEmpty, "a refused address was contacted")
            // Allowed, the same server answers.
            let allowed = OpenAICompatibleProvider(
                name: "local", endpoint: "http://2130706433:\(server.port)/ok/v1", model: "m", apiKey: nil,
                client: server.http.client, addresses: ProviderTestServer.loopback)
            #expect(try await allowed.complete(ProviderOpenAITests.request).text == "Hello, world")
        }
    }

    /// A provider built without the factory's check still never hands such a URL to the HTTP
    /// stack, which traps on a port above 65535: the call fails as an invalid request.
    @Test(arguments: [
        "http://127.0.0.1:99999/v1", "http://127.0.0.1:0/v1", "http://[::1/v1", "https://h:-1/v1", "http://h/v 1",
        "http://user:pw@h/v1", "http://h/v1?x=1", "gopher://h/v1", "http:///v1",
    ])
    func anyURLFailsTheCallInsteadOfTrapping(endpoint: String) async throws {
        try await ProviderTestServer.with { server in
            for provider in [
                OpenAICompatibleProvider(
                    name: "bad", endpoint: endpoint, model: "m", apiKey: nil, client: server.http.client)
                    as any CompletionProvider,
                AnthropicProvider(name: "bad", endpoint: endpoint, model: "m", apiKey: nil, client: server.http.client),
            ] {
                let error = await caught { _ = try await provider.complete(ProviderOpenAITests.request) }
                let completionError = try #require(error as? CompletionError)
                #expect(completionError.kind == .invalidRequest, "\(endpoint): \(completionError)")
                #expect(!completionError.isRetryable)
                #expect(!completionError.message.contains("pw@"))
            }
        }
    }
}
