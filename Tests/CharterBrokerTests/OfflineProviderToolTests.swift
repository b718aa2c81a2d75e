import CharterBroker
import CharterModel
import Foundation
import Testing

/// The offline provider's rehearsal of an agent loop: list, read, answer.
@Suite("OfflineProvider: tool rehearsal")
struct OfflineProviderToolTests {
    let provider = OfflineProvider()

    static let tools = [
        ToolDefinition(
            name: "workspace_files_list", description: "List files.", parameters: ProviderOpenAIToolTests.pathSchema),
        ToolDefinition(
            name: "workspace_files_read", description: "Read a file.", parameters: ProviderOpenAIToolTests.pathSchema),
    ]

    static func request(_ messages: [CompletionMessage] = [], tools: [ToolDefinition] = tools) -> CompletionRequest {
        CompletionRequest(
            modelClass: "standard", system: "You review repositories.",
            messages: [.user("Summarize the repository")] + messages, tools: tools, maxOutputTokens: 512,
            metadata: CompletionMetadata(runID: "R-1", step: "review", role: "reviewer"))
    }

    /// What the loop sends back after `response`: the assistant's calls, then `results` for them.
    static func turn(_ response: CompletionResponse, _ results: [String]) -> [CompletionMessage] {
        [.assistant(response.text, toolCalls: response.toolCalls)]
            + zip(response.toolCalls, results).map { .tool(id: $0.id, content: $1) }
    }

    static let readme = (1...42).map { "line \($0)" }.joined(separator: "\n") + "\n"

    @Test func rehearsesListThenReadThenAnswers() async throws {
        let first = try await provider.complete(Self.request())
        #expect(first.text == "")
        #expect(first.finishReason == .toolCall)
        #expect(
            first.toolCalls == [
                ToolCall(id: "offline-call-1", name: "workspace_files_list", arguments: #"{"path":"."}"#)
            ])

        let listed = Self.turn(first, ["docs/\nsrc/main.swift\nREADME.md\n"])
        let second = try await provider.complete(Self.request(listed))
        #expect(
            second.toolCalls == [
                ToolCall(id: "offline-call-2", name: "workspace_files_read", arguments: #"{"path":"README.md"}"#)
            ])

        let final = Self.request(listed + Self.turn(second, [Self.readme]))
        let third = try await provider.complete(final)
        let fingerprint = OfflineProvider.fingerprint(OfflineProvider.renderedInput(final))
        #expect(
            third.text == """
                Offline response from model `offline` for role `reviewer`, step `review`. No language model was called.

                - Summarize the repository

                Tools offered: workspace_files_list, workspace_files_read.
                Tools used: workspace_files_list (3 lines), workspace_files_read README.md (42 lines).

                Prompt: 1 line, 3 words, 24 bytes. Input fingerprint: \(fingerprint).

                """)
        #expect(third.finishReason == .stop)
        #expect(third.toolCalls.isEmpty)
        #expect(
            third.usage
                == TokenUsage(
                    input: OfflineProvider.estimateTokens(OfflineProvider.renderedInput(final)),
                    output: OfflineProvider.estimateTokens(third.text)))
        #expect(try await provider.complete(final) == third, "deterministic")
    }

    @Test func readsAReadmeFirstWhereverItIsListed() throws {
        func next(_ listing: String) throws -> ToolCall? {
            let first = try provider.answer(Self.request())
            return try provider.answer(Self.request(Self.turn(first, [listing]))).toolCalls.first
        }
        func read(_ listing: String) throws -> String? { try next(listing)?.arguments }
        #expect(try read("a.txt\nsub/\ndocs/readme\nREADME.md") == #"{"path":"README.md"}"#)
        #expect(try read("a.txt\r\nsub/\r\ndocs/Readme\r\n") == #"{"path":"docs/Readme"}"#)
        #expect(try read("  sub/\n\n  b.txt  \na.txt") == #"{"path":"b.txt"}"#)
        // Only directories: it looks into the first one (a checkout in `src/`, say).
        let into = try #require(try next("sub/\nother/"))
        #expect(into.name.hasSuffix("files_list") && into.arguments == #"{"path":"sub"}"#)
    }

    @Test func answersAtOnceWithoutAListToolAndAfterAFailedListing() throws {
        let readOnly = [Self.tools[1]]
        let answer = try provider.answer(Self.request(tools: readOnly))
        #expect(answer.toolCalls.isEmpty)
        #expect(answer.text.contains("Tools offered: workspace_files_read.\nTools used: none.\n"))
        #expect(answer.text.contains("No language model was called."))

        let first = try provider.answer(Self.request())
        let failed: [CompletionMessage] = [
            .assistant("", toolCalls: first.toolCalls),
            .tool(id: "offline-call-1", content: "permission denied", isError: true),
        ]
        let after = try provider.answer(Self.request(failed))
        #expect(after.toolCalls.isEmpty)
        #expect(after.text.contains("Tools used: workspace_files_list (error, 1 line).\n"))
    }

    @Test func streamsTheCallThenTheEnd() async throws {
        var chunks: [CompletionChunk] = []
        for try await chunk in provider.stream(Self.request()) { chunks.append(chunk) }
        let whole = try provider.answer(Self.request())
        #expect(
            chunks == [
                .toolCall(whole.toolCalls[0]),
                .finished(model: "offline", finishReason: .toolCall, usage: whole.usage),
            ])
        #expect(try await CompletionResponse(collecting: provider.stream(Self.request())) == whole)
    }

    @Test func rendersToolsCallsAndResultsIntoTheInput() throws {
        let first = try provider.answer(Self.request())
        var request = Self.request(Self.turn(first, ["a\nb"]))
        request.messages.append(.tool(id: "x", content: "no", isError: true))
        let schema = #"{"properties":{"path":{"type":"string"}},"type":"object"}"#
        let expected = [
            "system: You review repositories.",
            "offered tool workspace_files_list: List files. \(schema)",
            "offered tool workspace_files_read: Read a file. \(schema)",
            "user: Summarize the repository",
            "assistant: ",
            #"call offline-call-1 workspace_files_list: {"path":"."}"#,
            "result offline-call-1: a",
            "b",
            "error result x: no",
        ]
        #expect(OfflineProvider.renderedInput(request) == expected.joined(separator: "\n") + "\n")
        #expect(
            first.usage.output
                == OfflineProvider.estimateTokens(#"call offline-call-1 workspace_files_list: {"path":"."}"# + "\n"))
    }

    @Test func answersInTextWhenTheCallWouldNotFit() throws {
        var request = Self.request()
        request.maxOutputTokens = 5
        let answer = try provider.answer(request)
        #expect(answer.toolCalls.isEmpty)
        #expect(answer.finishReason == .length)
    }
}
