import CharterBroker
import Foundation
import Testing

@Suite("OfflineProvider")
struct OfflineProviderTests {
    let provider = OfflineProvider()

    private func standupRequest(runID: String = "R-1", attempt: Int = 1) -> CompletionRequest {
        CompletionRequest(
            modelClass: "standard", system: "You write short standup notes.",
            prompt: """
                Summarize these commits as standup notes:
                3f2a1c9 Fix login redirect
                8d0e4b7 Add retry to fetch
                """,
            maxOutputTokens: 512, temperature: 0.7,
            metadata: CompletionMetadata(runID: runID, step: "notes", role: "scribe", attempt: attempt),
            idempotencyKey: "\(runID)/notes/\(attempt)")
    }

    @Test func answersWithReadableNotes() async throws {
        let response = try await provider.complete(standupRequest())
        let expected = """
            Offline response from model `offline` for role `scribe`, step `notes`. No language model was called.

            Summarize these commits as standup notes:
            - 3f2a1c9 Fix login redirect
            - 8d0e4b7 Add retry to fetch

            Prompt: 3 lines, 15 words, 95 bytes. Input fingerprint: \(OfflineProvider.fingerprint(OfflineProvider.renderedInput(standupRequest()))).

            """
        #expect(response.text == expected)
        #expect(expected.contains("sha256:5d16790a6116"), "the example in docs/PROVIDERS.md")
        #expect(response.usage == TokenUsage(input: 36, output: 70))
        #expect(response.model == "offline")
        #expect(response.finishReason == .stop)
    }

    @Test func isDeterministicAndIgnoresRunAttemptTemperatureAndKey() async throws {
        let first = try await provider.complete(standupRequest(runID: "R-1", attempt: 1))
        let second = try await OfflineProvider().complete(standupRequest(runID: "R-99", attempt: 3))
        #expect(first == second)
    }

    @Test func changesWithTheModelAndThePrompt() async throws {
        var other = standupRequest()
        other.model = "offline-large"
        let base = try await provider.complete(standupRequest())
        let renamed = try await provider.complete(other)
        #expect(renamed.model == "offline-large")
        #expect(renamed.text.hasPrefix("Offline response from model `offline-large`"))
        other = standupRequest()
        other.system = "Another system prompt."
        let resystemed = try await provider.complete(other)
        #expect(resystemed.text != base.text, "the fingerprint covers the system text")
    }

    @Test func fingerprintsTheRenderedInputWithSHA256() {
        let request = CompletionRequest(modelClass: "standard", system: "S", prompt: "hello")
        #expect(OfflineProvider.renderedInput(request) == "system: S\nuser: hello\n")
        // printf 'system: S\nuser: hello\n' | sha256sum
        #expect(OfflineProvider.fingerprint("system: S\nuser: hello\n") == "sha256:3e20c25df393")
    }

    @Test func countsTokensAsStartedGroupsOfFourBytes() async throws {
        #expect(OfflineProvider.estimateTokens("") == 0)
        #expect(OfflineProvider.estimateTokens("abcd") == 1)
        #expect(OfflineProvider.estimateTokens("abcde") == 2)
        #expect(OfflineProvider.estimateTokens("é") == 1)
        let request = standupRequest()
        let response = try await provider.complete(request)
        #expect(
            response.usage
                == TokenUsage(
                    input: (OfflineProvider.renderedInput(request).utf8.count + 3) / 4,
                    output: (response.text.utf8.count + 3) / 4, cachedInput: 0, reasoning: 0))
    }

    @Test func capsTheBulletsAndLongLines() async throws {
        let lines = (1...20).map { "- commit \($0) " + String(repeating: "x", count: $0 == 1 ? 200 : 3) }
        let response = try await provider.complete(
            CompletionRequest(modelClass: "standard", prompt: lines.joined(separator: "\n"), maxOutputTokens: 4096))
        let bullets = response.text.split(separator: "\n").filter { $0.hasPrefix("- ") }
        #expect(bullets.count == OfflineProvider.maxBullets + 1)
        #expect(bullets.last == "- … and 8 more lines")
        #expect(bullets[0].count == 2 + OfflineProvider.maxBulletLength)
        #expect(bullets[0].hasSuffix("…"))
        #expect(bullets[1] == "- commit 2 xxx", "the prompt's own list marker is not doubled")
    }

    @Test func saysWhenThePromptIsEmpty() async throws {
        let response = try await provider.complete(CompletionRequest(modelClass: "standard", prompt: "  \n"))
        #expect(response.text.contains("(The prompt is empty.)"))
        #expect(response.text.hasPrefix("Offline response from model `offline`. No language model was called."))
    }

    @Test func stopsAtMaxOutputTokens() async throws {
        let response = try await provider.complete(
            CompletionRequest(modelClass: "standard", prompt: "one\ntwo", maxOutputTokens: 5))
        #expect(response.finishReason == .length)
        #expect(response.text == "Offline response fro")
        #expect(response.usage.output == 5)
    }

    @Test func refusesInvalidRequests() async throws {
        let empty = CompletionRequest(modelClass: "standard", messages: [])
        let error = await #expect(throws: CompletionError.self) { try await provider.complete(empty) }
        #expect(error?.kind == .invalidRequest)
        #expect(error?.isRetryable == false)
        await #expect(throws: CompletionError.self) {
            try await provider.complete(CompletionRequest(modelClass: "standard", prompt: "x", maxOutputTokens: 0))
        }
    }

    @Test func streamingSpellsOutTheSameResponse() async throws {
        for request in [standupRequest(), CompletionRequest(modelClass: "c", prompt: "a\nb", maxOutputTokens: 7)] {
            let whole = try await provider.complete(request)
            var chunks: [CompletionChunk] = []
            for try await chunk in provider.stream(request) { chunks.append(chunk) }
            #expect(chunks.count > 1)
            #expect(
                chunks.last == .finished(model: whole.model, finishReason: whole.finishReason, usage: whole.usage))
            let collected = try await CompletionResponse(collecting: provider.stream(request))
            #expect(collected == whole)
        }
    }

    @Test func streamingYieldsOneChunkPerLine() async throws {
        var pieces: [String] = []
        for try await chunk in provider.stream(standupRequest()) {
            if case .text(let piece) = chunk { pieces.append(piece) }
        }
        #expect(pieces.count == 7)
        #expect(pieces[2] == "Summarize these commits as standup notes:\n")
    }

    @Test func streamingReportsErrors() async throws {
        let stream = provider.stream(CompletionRequest(modelClass: "standard", messages: []))
        await #expect(throws: CompletionError.self) { try await CompletionResponse(collecting: stream) }
    }

    @Test func usesTheLastUserMessageAsThePrompt() async throws {
        let request = CompletionRequest(
            modelClass: "standard", messages: [.user("first question"), .assistant("an answer"), .user("follow-up")])
        #expect(request.prompt == "follow-up")
        let response = try await provider.complete(request)
        #expect(response.text.contains("- follow-up\n"))
        #expect(!response.text.contains("first question"))
    }
}
