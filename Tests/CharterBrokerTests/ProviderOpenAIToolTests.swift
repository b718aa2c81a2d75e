import CharterBroker
import CharterModel
import Foundation
import Testing

/// Tool calls over the Chat Completions wire, against the loopback server's `tools-…` scenarios.
@Suite("OpenAI-compatible provider: tool calls")
struct ProviderOpenAIToolTests {
    static let pathSchema: Value = .object([
        "type": .string("object"), "properties": .object(["path": .object(["type": .string("string")])]),
    ])
    static let tools = [
        ToolDefinition(name: "files_list", description: "List files.", parameters: pathSchema),
        ToolDefinition(name: "files_read", description: "Read a file.", parameters: pathSchema),
    ]
    /// A conversation two turns into a loop: calls (one with malformed arguments), their results
    /// (one an error), a user remark, and a call whose assistant message has no text.
    static let conversation = CompletionRequest(
        modelClass: "standard", system: "Be brief.",
        messages: [
            .user("Summarize the repo"),
            .assistant(
                "Looking.",
                toolCalls: [
                    ToolCall(id: "call_a", name: "files_list", arguments: #"{"path":"."}"#),
                    ToolCall(id: "call_b", name: "files_read", arguments: #"{"path": "READ"#),
                ]),
            .tool(id: "call_a", content: "README.md\nsrc/"),
            .tool(id: "call_b", content: "malformed arguments", isError: true),
            .user("Go on"),
            .assistant(
                "", toolCalls: [ToolCall(id: "call_c", name: "files_read", arguments: #"{"path":"README.md"}"#)]),
            .tool(id: "call_c", content: "A demo."),
        ],
        tools: tools, maxOutputTokens: 64)
    static let request = CompletionRequest(
        modelClass: "standard", messages: [.user("Summarize the repo")], tools: tools, maxOutputTokens: 64)

    static func chunks(_ stream: AsyncThrowingStream<CompletionChunk, any Error>) async throws -> [CompletionChunk] {
        var chunks: [CompletionChunk] = []
        for try await chunk in stream { chunks.append(chunk) }
        return chunks
    }

    static let finished = CompletionChunk.finished(
        model: "gpt-test-2025", finishReason: .toolCall, usage: ProviderOpenAITests.usage)

    @Test func sendsToolsCallsAndResultsAsChatCompletionsHasThem() async throws {
        try await ProviderTestServer.with { server in
            _ = try await server.openAI("tools-one").complete(Self.conversation)
            let body = String(decoding: try #require(await server.log.last).body, as: UTF8.self)
            let schema = #"{"properties":{"path":{"type":"string"}},"type":"object"}"#
            let expected =
                #"{"max_tokens":64,"messages":[{"content":"Be brief.","role":"system"},"#
                + #"{"content":"Summarize the repo","role":"user"},"#
                + #"{"content":"Looking.","role":"assistant","tool_calls":["#
                + #"{"function":{"arguments":"{\"path\":\".\"}","name":"files_list"},"id":"call_a","type":"function"},"#
                + #"{"function":{"arguments":"{\"path\": \"READ","name":"files_read"},"id":"call_b","type":"function"}]},"#
                + #"{"content":"README.md\nsrc/","role":"tool","tool_call_id":"call_a"},"#
                + #"{"content":"error: malformed arguments","role":"tool","tool_call_id":"call_b"},"#
                + #"{"content":"Go on","role":"user"},"#
                + #"{"content":null,"role":"assistant","tool_calls":["#
                + #"{"function":{"arguments":"{\"path\":\"README.md\"}","name":"files_read"},"id":"call_c","type":"function"}]},"#
                + #"{"content":"A demo.","role":"tool","tool_call_id":"call_c"}],"model":"gpt-test","#
                + #""tools":[{"function":{"description":"List files.","name":"files_list","parameters":\#(schema)},"#
                + #""type":"function"},{"function":{"description":"Read a file.","name":"files_read","#
                + #""parameters":\#(schema)},"type":"function"}]}"#
            #expect(body == expected)
        }
    }

    @Test func sendsTheSameBytesAsBeforeWithoutTools() async throws {
        try await ProviderTestServer.with { server in
            _ = try await server.openAI("ok").complete(ProviderOpenAITests.request)
            let body = String(decoding: try #require(await server.log.last).body, as: UTF8.self)
            #expect(
                body
                    == #"{"max_tokens":64,"messages":[{"content":"Be brief.","role":"system"},"#
                    + #"{"content":"Hi","role":"user"},{"content":"Hello?","role":"assistant"},"#
                    + #"{"content":"Say hello","role":"user"}],"model":"gpt-test","temperature":0.5}"#)
        }
    }

    @Test func readsOneCallWholeAndStreamed() async throws {
        try await ProviderTestServer.with { server in
            let call = ToolCall(id: "call_a", name: "files_list", arguments: #"{"path":"."}"#)
            let response = try await server.openAI("tools-one").complete(Self.request)
            #expect(
                response
                    == CompletionResponse(
                        text: "", model: "gpt-test-2025", finishReason: .toolCall, usage: ProviderOpenAITests.usage,
                        toolCalls: [call]))
            let chunks = try await Self.chunks(server.openAI("tools-one").stream(Self.request))
            #expect(chunks == [.toolCall(call), Self.finished])
        }
    }

    @Test func gathersInterleavedPiecesOfSeveralCallsInIndexOrder() async throws {
        try await ProviderTestServer.with { server in
            let chunks = try await Self.chunks(server.openAI("tools-many").stream(Self.request))
            #expect(
                chunks == [
                    .text("Looking."),
                    .toolCall(ToolCall(id: "call_a", name: "files_list", arguments: #"{"path":"src/"}"#)),
                    .toolCall(ToolCall(id: "call_b", name: "files_read", arguments: #"{"path":"README.md"}"#)),
                    // No id from the server: a stable one from the call's place.
                    .toolCall(ToolCall(id: "call_2", name: "files_stat", arguments: #"{"path":"x"}"#)),
                    Self.finished,
                ])
        }
    }

    @Test func readsSeveralCallsWholeWithStopObjectArgumentsAndNoID() async throws {
        try await ProviderTestServer.with { server in
            let response = try await server.openAI("tools-many").complete(Self.request)
            #expect(response.text == "Looking.")
            #expect(response.finishReason == .toolCall, "a server saying stop with calls asked for calls")
            #expect(
                response.toolCalls == [
                    ToolCall(id: "call_a", name: "files_list", arguments: #"{"path":"."}"#),
                    ToolCall(id: "call_1", name: "files_read", arguments: #"{"lines":10,"path":"README.md"}"#),
                ])
        }
    }

    @Test func readsCallsWithoutIndexOrIDAsOllamaStreamsThem() async throws {
        try await ProviderTestServer.with { server in
            // Three calls earlier in the conversation: synthesized ids do not repeat theirs.
            let chunks = try await Self.chunks(server.openAI("tools-noindex").stream(Self.conversation))
            #expect(
                chunks == [
                    .toolCall(ToolCall(id: "call_3", name: "files_list", arguments: #"{"path":"."}"#)),
                    .toolCall(ToolCall(id: "call_4", name: "files_read", arguments: #"{"path":"a"}"#)),
                    Self.finished,
                ])
        }
    }

    @Test func passesMalformedArgumentsThroughAndEmptyOnesAsAnEmptyObject() async throws {
        try await ProviderTestServer.with { server in
            let expected = [
                ToolCall(id: "call_a", name: "files_read", arguments: #"{"path": "unterminated"#),
                ToolCall(id: "call_b", name: "files_list", arguments: "{}"),
            ]
            #expect(try await server.openAI("tools-malformed").complete(Self.request).toolCalls == expected)
            let streamed = try await CompletionResponse(
                collecting: server.openAI("tools-malformed").stream(Self.request))
            #expect(streamed.toolCalls == expected)
        }
    }

    @Test func carriesOneMebibyteOfArguments() async throws {
        try await ProviderTestServer.with { server in
            let whole = try await server.openAI("tools-huge").complete(Self.request)
            #expect(whole.toolCalls.map(\.arguments) == [ProviderTestServer.hugeArguments])
            let streamed = try await CompletionResponse(collecting: server.openAI("tools-huge").stream(Self.request))
            #expect(streamed.toolCalls.map(\.arguments) == [ProviderTestServer.hugeArguments])
            #expect(streamed.toolCalls.first?.id == "call_big")
        }
    }

    @Test func neverYieldsAHalfCallFromACutStream() async throws {
        try await ProviderTestServer.with { server in
            var chunks: [CompletionChunk] = []
            let error = await #expect(throws: CompletionError.self) {
                for try await chunk in server.openAI("tools-cut").stream(Self.request) { chunks.append(chunk) }
            }
            #expect(error?.kind == .transport)
            #expect(chunks.isEmpty)
        }
    }

    @Test func refusesBadToolNamesAndResultsWithoutAnIDBeforeSending() async throws {
        try await ProviderTestServer.with { server in
            var dotted = Self.request
            dotted.tools = [ToolDefinition(name: "files.list", description: "", parameters: .object([:]))]
            var twice = Self.request
            twice.tools = Self.tools + Self.tools
            var orphan = Self.request
            orphan.messages.append(CompletionMessage(role: .tool, content: "x"))
            for request in [dotted, twice, orphan] {
                let error = await #expect(throws: CompletionError.self) {
                    try await server.openAI("tools-one").complete(request)
                }
                #expect(error?.kind == .invalidRequest)
            }
            #expect(await server.log.requests.isEmpty)
        }
    }
}
