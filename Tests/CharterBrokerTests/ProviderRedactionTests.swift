import CharterBroker
import Foundation
import Testing

/// A key in the usual `sk-` shape, and one no redaction pattern recognizes.
let redactionKeys = [ProviderTestServer.secret, "plainSECRET987xyz"]

/// The key must never reach an error, a description or an answer, even when the server echoes it.
@Suite("HTTP provider redaction")
struct ProviderRedactionTests {
    static let scenarios = [
        "ratelimit", "server500", "server503", "unauthorized", "badrequest", "ollamaerror", "malformed", "oversized",
        "stall", "trickle", "nousage", "cut", "midstream", "echo", "tools-echo", "no-such-scenario",
    ]

    @Test(arguments: ProviderFlavor.allCases, redactionKeys)
    func theKeyAppearsInNoErrorDescriptionOrAnswer(_ flavor: ProviderFlavor, _ key: String) async throws {
        let timeouts = ProviderTimeouts(connect: .seconds(5), idleRead: .milliseconds(250), overall: .seconds(30))
        try await ProviderTestServer.with(timeouts: timeouts) { server in
            var seen: [String] = []
            for scenario in Self.scenarios {
                // Trickling answers need the overall bound to fire; the others end by themselves.
                let provider = server.provider(
                    flavor, scenario, key: key, overall: scenario == "trickle" ? .milliseconds(300) : nil)
                seen += [String(describing: provider), String(reflecting: provider), Self.dump(provider)]
                do {
                    let response = try await provider.complete(ProviderOpenAITests.request)
                    seen += [response.text, String(describing: response)]
                } catch {
                    seen += [String(describing: error), String(reflecting: error), error.localizedDescription]
                }
                do {
                    for try await chunk in provider.stream(ProviderOpenAITests.request) {
                        seen.append(String(describing: chunk))
                    }
                } catch {
                    seen += [String(describing: error), String(reflecting: error)]
                }
            }
            // The server did receive the key, and echoed it back in errors and answers.
            let sent = await server.log.requests
            #expect(sent.count == Self.scenarios.count * 2)
            #expect(sent.allSatisfy { ($0.headers["authorization"] ?? $0.headers["x-api-key"])?.contains(key) == true })
            for text in seen {
                #expect(!text.contains(key), "\(text)")
                #expect(!text.contains("SECRET"), "\(text)")
            }
            #expect(seen.contains { $0.contains("***") })
        }
    }

    @Test func keysArePrintedAsStars() {
        let key = APIKey(ProviderTestServer.secret)
        #expect(String(describing: key) == "APIKey(***)")
        #expect(String(reflecting: key) == "APIKey(***)")
        #expect("\(key)" == "APIKey(***)")
        #expect(!Self.dump(key).contains("SECRET"))
        #expect(!Self.dump([key]).contains("SECRET"))
    }

    @Test func streamedEchoesAreScrubbedAcrossChunks() async throws {
        try await ProviderTestServer.with { server in
            for flavor in ProviderFlavor.allCases {
                let response = try await CompletionResponse(
                    collecting: server.provider(flavor, "echo").stream(ProviderOpenAITests.request))
                switch flavor {
                case .openAI: #expect(response.text == "Your key is ***, and Bearer too.")
                case .anthropic: #expect(response.text == "key: ***.")
                }
            }
        }
    }

    static func dump(_ value: Any) -> String {
        var text = ""
        Swift.dump(value, to: &text)
        return text
    }
}
