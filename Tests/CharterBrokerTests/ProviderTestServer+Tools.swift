import Foundation
import Hummingbird

/// The `tools-…` scenarios of ``ProviderTestServer``: answers with tool calls, whole and streamed in
/// pieces, the way each API sends them (and the ways some servers deviate).
extension ProviderTestServer {
    /// 1 MiB of arguments text: `{"content":"xxx…"}`.
    static let hugeArguments = #"{"content":""# + String(repeating: "x", count: (1 << 20) - 16) + #""}"#

    /// `hugeArguments` in 64 KiB pieces, each well under the 1 MiB event bound.
    static var hugeFragments: [String] {
        let bytes = Array(hugeArguments.utf8)
        return stride(from: 0, to: bytes.count, by: 64 << 10).map {
            String(decoding: bytes[$0..<min($0 + (64 << 10), bytes.count)], as: UTF8.self)
        }
    }

    // MARK: - Chat Completions

    static func openAIEvent(_ delta: String, finish: String? = nil) -> Piece {
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        return .text(
            #"data: {"id":"c1","model":"gpt-test-2025","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(reason)}]}"#
                + "\n\n")
    }

    /// One element of `tool_calls`; nil fields are left out.
    static func openAIToolCall(index: Int?, id: String? = nil, name: String? = nil, arguments: String? = nil) -> String
    {
        var fields: [String] = []
        if let index { fields.append(#""index":\#(index)"#) }
        if let id { fields.append(#""id":\#(quoted(id)),"type":"function""#) }
        var function: [String] = []
        if let name { function.append(#""name":\#(quoted(name))"#) }
        if let arguments { function.append(#""arguments":\#(quoted(arguments))"#) }
        fields.append(#""function":{\#(function.joined(separator: ","))}"#)
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// An event whose delta carries `calls`.
    static func openAIToolEvent(_ calls: String...) -> Piece {
        openAIEvent(#"{"tool_calls":[\#(calls.joined(separator: ","))]}"#)
    }

    static func openAIToolAnswer(_ scenario: String, streaming: Bool, echoed: String, parts: [String]) -> Response {
        let finish = openAIEvent("{}", finish: "tool_calls")
        let usage = Piece.text(
            #"data: {"id":"c1","model":"gpt-test-2025","choices":[],"usage":\#(usageOpenAI)}"# + "\n\n")
        let done = Piece.text("data: [DONE]\n\n")
        func whole(content: String?, _ calls: [String], finish: String = "tool_calls") -> Response {
            json(
                .ok,
                #"{"model":"gpt-test-2025","choices":[{"index":0,"message":{"role":"assistant","content":"#
                    + (content.map(quoted) ?? "null") + #","tool_calls":[\#(calls.joined(separator: ","))]},"#
                    + #""finish_reason":"\#(finish)"}],"usage":\#(usageOpenAI)}"#)
        }
        switch scenario {
        case "tools-one" where streaming:
            return events([
                openAIEvent(
                    #"{"role":"assistant","content":null,"tool_calls":["#
                        + openAIToolCall(index: 0, id: "call_a", name: "files_list", arguments: "") + "]}"),
                openAIToolEvent(openAIToolCall(index: 0, arguments: #"{"pa"#)),
                openAIToolEvent(openAIToolCall(index: 0, arguments: #"th":"#)),
                openAIToolEvent(openAIToolCall(index: 0, arguments: #"".""#)),
                openAIToolEvent(openAIToolCall(index: 0, arguments: "}")), finish, usage, done,
            ])
        case "tools-one":
            return whole(
                content: nil,
                [openAIToolCall(index: nil, id: "call_a", name: "files_list", arguments: #"{"path":"."}"#)])
        case "tools-many" where streaming:
            // Three calls whose pieces interleave; the third has no id and arrives a character at a time.
            let third = #"{"path":"x"}"#.map { openAIToolEvent(openAIToolCall(index: 2, arguments: String($0))) }
            return events(
                [
                    openAIEvent(#"{"role":"assistant","content":"Looking."}"#),
                    openAIToolEvent(openAIToolCall(index: 0, id: "call_a", name: "files_list", arguments: "")),
                    openAIToolEvent(openAIToolCall(index: 1, id: "call_b", name: "files_read", arguments: #"{"pa"#)),
                    openAIToolEvent(openAIToolCall(index: 0, arguments: #"{"path":"#)),
                    openAIToolEvent(openAIToolCall(index: 1, arguments: #"th":"REA"#)),
                    openAIToolEvent(
                        openAIToolCall(index: 0, arguments: #""src/"}"#),
                        openAIToolCall(index: 1, arguments: #"DME.md"}"#)),
                    openAIToolEvent(openAIToolCall(index: 2, name: "files_stat")),
                ] + third + [finish, usage, done])
        case "tools-many":
            // `stop` despite the calls, one call without an id, arguments as an object.
            return whole(
                content: "Looking.",
                [
                    openAIToolCall(index: nil, id: "call_a", name: "files_list", arguments: #"{"path":"."}"#),
                    #"{"type":"function","function":{"name":"files_read","arguments":{"path":"README.md","lines":10}}}"#,
                ], finish: "stop")
        case "tools-noindex" where streaming:
            // Each call whole in one event, without index or id, and `stop` at the end (older Ollama).
            return events([
                openAIToolEvent(openAIToolCall(index: nil, name: "files_list", arguments: #"{"path":"."}"#)),
                openAIToolEvent(openAIToolCall(index: nil, name: "files_read", arguments: #"{"path":"a"}"#)),
                openAIEvent("{}", finish: "stop"), usage, done,
            ])
        case "tools-malformed" where streaming:
            return events([
                openAIToolEvent(openAIToolCall(index: 0, id: "call_a", name: "files_read", arguments: #"{"path": "#)),
                openAIToolEvent(openAIToolCall(index: 0, arguments: #""unterminated"#)),
                openAIToolEvent(openAIToolCall(index: 1, id: "call_b", name: "files_list")), finish, usage, done,
            ])
        case "tools-malformed":
            return whole(
                content: nil,
                [
                    openAIToolCall(index: nil, id: "call_a", name: "files_read", arguments: #"{"path": "unterminated"#),
                    openAIToolCall(index: nil, id: "call_b", name: "files_list", arguments: ""),
                ])
        case "tools-huge" where streaming:
            return events(
                [openAIToolEvent(openAIToolCall(index: 0, id: "call_big", name: "files_write", arguments: ""))]
                    + hugeFragments.map { openAIToolEvent(openAIToolCall(index: 0, arguments: $0)) }
                    + [finish, usage, done])
        case "tools-huge":
            return whole(
                content: nil,
                [openAIToolCall(index: nil, id: "call_big", name: "files_write", arguments: hugeArguments)])
        case "tools-echo" where streaming:
            // The key in a call's arguments, split across three pieces.
            return events(
                [openAIToolEvent(openAIToolCall(index: 0, id: "call_a", name: "files_write", arguments: #"{"a":""#))]
                    + (parts + [#""}"#]).map { openAIToolEvent(openAIToolCall(index: 0, arguments: $0)) }
                    + [finish, usage, done])
        case "tools-echo":
            return whole(
                content: nil,
                [openAIToolCall(index: nil, id: "call_a", name: "files_write", arguments: #"{"a":\#(quoted(echoed))}"#)]
            )
        case "tools-cut" where streaming:
            // The connection ends in the middle of a call.
            return events([
                openAIToolEvent(openAIToolCall(index: 0, id: "call_a", name: "files_list", arguments: #"{"pa"#))
            ])
        case "tools-cutafter" where streaming:
            // The call is whole and finished, then the connection ends before the usage.
            return events([
                openAIToolEvent(
                    openAIToolCall(index: 0, id: "call_a", name: "files_list", arguments: #"{"path":"."}"#)),
                finish,
            ])
        default:
            return json(.notFound, #"{"error":{"message":"no scenario \#(scenario)"}}"#)
        }
    }

    // MARK: - Messages

    static func anthropicEvent(_ type: String, _ data: String) -> Piece {
        .text("event: \(type)\ndata: \(data)\n\n")
    }

    static func anthropicBlockStart(_ index: Int, _ block: String) -> Piece {
        anthropicEvent(
            "content_block_start", #"{"type":"content_block_start","index":\#(index),"content_block":\#(block)}"#)
    }

    static func anthropicDelta(_ index: Int, _ delta: String) -> Piece {
        anthropicEvent("content_block_delta", #"{"type":"content_block_delta","index":\#(index),"delta":\#(delta)}"#)
    }

    static func anthropicJSONDelta(_ index: Int, _ fragment: String) -> Piece {
        anthropicDelta(index, #"{"type":"input_json_delta","partial_json":\#(quoted(fragment))}"#)
    }

    static func anthropicBlockStop(_ index: Int) -> Piece {
        anthropicEvent("content_block_stop", #"{"type":"content_block_stop","index":\#(index)}"#)
    }

    static func anthropicToolUse(_ id: String, _ name: String) -> String {
        #"{"type":"tool_use","id":"\#(id)","name":"\#(name)","input":{}}"#
    }

    static func anthropicToolAnswer(_ scenario: String, streaming: Bool, echoed: String, parts: [String]) -> Response {
        let start = anthropicEvent("message_start", messageStart)
        let end = [
            anthropicEvent(
                "message_delta",
                #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}"#),
            anthropicEvent("message_stop", #"{"type":"message_stop"}"#),
        ]
        func whole(_ blocks: [String], stop: String = "tool_use") -> Response {
            json(
                .ok,
                #"{"id":"m1","type":"message","role":"assistant","model":"claude-test-2025","#
                    + #""content":[\#(blocks.joined(separator: ","))],"stop_reason":"\#(stop)","#
                    + #""usage":{"input_tokens":20,"cache_creation_input_tokens":3,"cache_read_input_tokens":7,"#
                    + #""output_tokens":9}}"#)
        }
        switch scenario {
        case "tools-one" where streaming:
            return events(
                [
                    start, anthropicBlockStart(0, #"{"type":"text","text":""}"#),
                    anthropicDelta(0, #"{"type":"text_delta","text":"Let me look."}"#), anthropicBlockStop(0),
                    anthropicBlockStart(1, anthropicToolUse("toolu_1", "files_list")), anthropicJSONDelta(1, ""),
                    anthropicJSONDelta(1, #"{"path""#), anthropicJSONDelta(1, #": "."}"#), anthropicBlockStop(1),
                ] + end)
        case "tools-one":
            return whole([
                #"{"type":"text","text":"Let me look."}"#,
                #"{"type":"tool_use","id":"toolu_1","name":"files_list","input":{"path":"."}}"#,
            ])
        case "tools-many" where streaming:
            // Thinking first, a call without input, a server tool whose input must not leak into
            // a call, an event type from the future, and a call written a character at a time.
            return events(
                [
                    start, anthropicBlockStart(0, #"{"type":"thinking","thinking":""}"#),
                    anthropicDelta(0, #"{"type":"thinking_delta","thinking":"Files first."}"#),
                    anthropicDelta(0, #"{"type":"signature_delta","signature":"c2ln"}"#), anthropicBlockStop(0),
                    anthropicBlockStart(1, anthropicToolUse("toolu_1", "files_list")), anthropicBlockStop(1),
                    anthropicBlockStart(
                        2, #"{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}"#),
                    anthropicJSONDelta(2, #"{"query":"x"}"#), anthropicBlockStop(2),
                    anthropicEvent("content_block_hint", #"{"type":"content_block_hint","index":3}"#),
                    anthropicBlockStart(3, anthropicToolUse("toolu_2", "files_read")),
                ] + #"{"path":"README.md"}"#.map { anthropicJSONDelta(3, String($0)) } + [anthropicBlockStop(3)] + end)
        case "tools-many":
            return whole([
                #"{"type":"thinking","thinking":"Files first.","signature":"c2ln"}"#,
                #"{"type":"redacted_thinking","data":"cmVkYWN0ZWQ="}"#,
                #"{"type":"tool_use","id":"toolu_1","name":"files_list","input":{}}"#,
                #"{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}}"#,
                #"{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result"}]}"#,
                #"{"type":"tool_use","id":"toolu_2","name":"files_read","input":{"path":"README.md","lines":10}}"#,
                #"{"type":"text","text":"Done."}"#,
            ])
        case "tools-malformed" where streaming:
            return events(
                [
                    start, anthropicBlockStart(0, anthropicToolUse("toolu_1", "files_read")),
                    anthropicJSONDelta(0, #"{"path": "#), anthropicJSONDelta(0, #""unterminated"#),
                    anthropicBlockStop(0),
                ] + end)
        case "tools-huge" where streaming:
            return events(
                [start, anthropicBlockStart(0, anthropicToolUse("toolu_big", "files_write"))]
                    + hugeFragments.map { anthropicJSONDelta(0, $0) } + [anthropicBlockStop(0)] + end)
        case "tools-huge":
            return whole([#"{"type":"tool_use","id":"toolu_big","name":"files_write","input":\#(hugeArguments)}"#])
        case "tools-echo" where streaming:
            return events(
                [
                    start, anthropicBlockStart(0, anthropicToolUse("toolu_1", "files_write")),
                    anthropicJSONDelta(0, #"{"a":""#),
                ]
                    + (parts + [#""}"#]).map { anthropicJSONDelta(0, $0) } + [anthropicBlockStop(0)] + end)
        case "tools-echo":
            return whole([#"{"type":"tool_use","id":"toolu_1","name":"files_write","input":{"a":\#(quoted(echoed))}}"#])
        case "tools-cut" where streaming:
            return events([
                start, anthropicBlockStart(0, anthropicToolUse("toolu_1", "files_list")),
                anthropicJSONDelta(0, #"{"pa"#),
            ])
        default:
            return json(
                .notFound, #"{"type":"error","error":{"type":"not_found_error","message":"no scenario \#(scenario)"}}"#)
        }
    }
}
