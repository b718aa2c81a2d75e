import CharterBroker
import CharterModel
import Foundation
import Testing

/// Tool calls over the Messages wire, against the loopback server's `tools-…` scenarios.
@Suite("Anthropic provider: tool calls")
struct ProviderAnthropicToolTests {
    static let request = ProviderOpenAIToolTests.request
    static let finished = CompletionChunk.finished(
        model: "claude-test-2025", finishReason: .toolCall, usage: ProviderAnthropicTests.usage)

    @Test func sendsToolUseBlocksAndMergesResultsIntoOneUserMessage() async throws {
        try await ProviderTestServer.with { server in
            _ = try await server.anthropic("tools-one").complete(ProviderOpenAIToolTests.conversation)
            let body = String(decoding: try #require(await server.log.last).body, as: UTF8.self)
            let schema = #"{"properties":{"path":{"type":"string"}},"type":"object"}"#
            // Malformed arguments go as an empty input; both results and the remark after them
            // share one user message, results first.
            let expected =
                #"{"max_tokens":64,"messages":[{"content":"Summarize the repo","role":"user"},"#
                + #"{"content":[{"text":"Looking.","type":"text"},"#
                + #"{"id":"call_a","input":{"path":"."},"name":"files_list","type":"tool_use"},"#
                + #"{"id":"call_b","input":{},"name":"files_read","type":"tool_use"}],"role":"assistant"},"#
                + #"{"content":[{"content":"README.md\nsrc/","is_error":false,"tool_use_id":"call_a","type":"tool_result"},"#
                + #"{"content":"malformed arguments","is_error":true,"tool_use_id":"call_b","type":"tool_result"},"#
                + #"{"text":"Go on","type":"text"}],"role":"user"},"#
                + #"{"content":[{"id":"call_c","input":{"path":"README.md"},"name":"files_read","type":"tool_use"}],"#
                + #""role":"assistant"},"#
                + #"{"content":[{"content":"A demo.","is_error":false,"tool_use_id":"call_c","type":"tool_result"}],"#
                + #""role":"user"}],"model":"claude-test","system":"Be brief.","#
                + #""tools":[{"description":"List files.","input_schema":\#(schema),"name":"files_list"},"#
                + #"{"description":"Read a file.","input_schema":\#(schema),"name":"files_read"}]}"#
            #expect(body == expected)
        }
    }

    @Test func sendsTheSameBytesAsBeforeWithoutTools() async throws {
        try await ProviderTestServer.with { server in
            _ = try await server.anthropic("ok").complete(ProviderOpenAITests.request)
            let body = String(decoding: try #require(await server.log.last).body, as: UTF8.self)
            #expect(
                body
                    == #"{"max_tokens":64,"messages":[{"content":"Hi","role":"user"},"#
                    + #"{"content":"Hello?","role":"assistant"},{"content":"Say hello","role":"user"}],"#
                    + #""model":"claude-test","system":"Be brief.","temperature":0.5}"#)
        }
    }

    @Test func readsOneCallWholeAndStreamed() async throws {
        try await ProviderTestServer.with { server in
            let response = try await server.anthropic("tools-one").complete(Self.request)
            #expect(
                response
                    == CompletionResponse(
                        text: "Let me look.", model: "claude-test-2025", finishReason: .toolCall,
                        usage: ProviderAnthropicTests.usage,
                        toolCalls: [ToolCall(id: "toolu_1", name: "files_list", arguments: #"{"path":"."}"#)]))
            let chunks = try await ProviderOpenAIToolTests.chunks(server.anthropic("tools-one").stream(Self.request))
            // Streamed arguments are the model's own text, spaces included.
            #expect(
                chunks == [
                    .text("Let me look."),
                    .toolCall(ToolCall(id: "toolu_1", name: "files_list", arguments: #"{"path": "."}"#)),
                    Self.finished,
                ])
        }
    }

    @Test func readsSeveralCallsAndSkipsBlocksItDoesNotUse() async throws {
        try await ProviderTestServer.with { server in
            let chunks = try await ProviderOpenAIToolTests.chunks(server.anthropic("tools-many").stream(Self.request))
            #expect(
                chunks == [
                    .toolCall(ToolCall(id: "toolu_1", name: "files_list", arguments: "{}")),
                    .toolCall(ToolCall(id: "toolu_2", name: "files_read", arguments: #"{"path":"README.md"}"#)),
                    Self.finished,
                ])
            let response = try await server.anthropic("tools-many").complete(Self.request)
            #expect(response.text == "Done.")
            #expect(
                response.toolCalls == [
                    ToolCall(id: "toolu_1", name: "files_list", arguments: "{}"),
                    // Canonical JSON of the input object: sorted keys, no spaces.
                    ToolCall(id: "toolu_2", name: "files_read", arguments: #"{"lines":10,"path":"README.md"}"#),
                ])
        }
    }

    @Test func passesMalformedStreamedArgumentsThrough() async throws {
        try await ProviderTestServer.with { server in
            let response = try await CompletionResponse(
                collecting: server.anthropic("tools-malformed").stream(Self.request))
            #expect(
                response.toolCalls == [
                    ToolCall(id: "toolu_1", name: "files_read", arguments: #"{"path": "unterminated"#)
                ])
            #expect(response.finishReason == .toolCall)
        }
    }

    @Test func carriesOneMebibyteOfArguments() async throws {
        try await ProviderTestServer.with { server in
            let whole = try await server.anthropic("tools-huge").complete(Self.request)
            #expect(whole.toolCalls.map(\.arguments) == [ProviderTestServer.hugeArguments])
            let streamed = try await CompletionResponse(collecting: server.anthropic("tools-huge").stream(Self.request))
            #expect(streamed.toolCalls.map(\.arguments) == [ProviderTestServer.hugeArguments])
        }
    }

    @Test func neverYieldsAHalfCallFromACutStream() async throws {
        try await ProviderTestServer.with { server in
            var chunks: [CompletionChunk] = []
            let error = await #expect(throws: CompletionError.self) {
                for try await chunk in server.anthropic("tools-cut").stream(Self.request) { chunks.append(chunk) }
            }
            #expect(error?.kind == .transport)
            #expect(chunks.isEmpty)
        }
    }
}
