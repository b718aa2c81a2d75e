import CharterBroker
import Testing

@Suite("Server-sent event parser")
struct ProviderServerSentEventTests {
    /// Feeds `pieces` in order and returns every event.
    static func parse(_ pieces: [String], maximum: Int = 1 << 20) throws -> [ServerSentEvent] {
        var parser = ServerSentEventParser(maximumEventBytes: maximum)
        var events: [ServerSentEvent] = []
        for piece in pieces { events += try parser.consume(Array(piece.utf8)) }
        return events
    }

    @Test func endsEventsAtBlankLinesWithAnyLineEnd() throws {
        let expected = [ServerSentEvent(data: "a"), ServerSentEvent(data: "b"), ServerSentEvent(data: "c")]
        #expect(try Self.parse(["data: a\n\ndata: b\r\n\r\ndata: c\r\r"]) == expected)
        // The same, split at every byte: a CR LF pair may straddle two pieces.
        let text = "data: a\r\n\r\ndata: b\n\ndata: c\r\n\r\n"
        #expect(try Self.parse(text.map { String($0) }) == expected)
        #expect(try Self.parse(["data: a\r", "\n", "\r", "\ndata: b\n", "\ndata: c\r\n\r\n"]) == expected)
    }

    @Test func joinsDataLinesAndReadsFields() throws {
        let events = try Self.parse([
            ": a comment\n\n", "event: message_delta\nid: 7\ndata: {\"a\":\ndata:1}\nretry: 10\nunknown: x\n\n",
            "data\n\n", "data:  two spaces\n\n",
        ])
        #expect(
            events == [
                ServerSentEvent(event: "message_delta", data: "{\"a\":\n1}", id: "7"),
                ServerSentEvent(data: "", id: "7"), ServerSentEvent(data: " two spaces", id: "7"),
            ])
    }

    @Test func skipsEventsWithoutDataAndUnterminatedTails() throws {
        #expect(try Self.parse(["event: ping\n\n", ":keep-alive\n\n", "data: [DONE]"]).isEmpty)
        #expect(try Self.parse(["data: [DONE]\n\n"]) == [ServerSentEvent(data: "[DONE]")])
    }

    @Test func ignoresAByteOrderMarkAtTheStart() throws {
        #expect(try Self.parse(["\u{FEFF}data: x\n\n"]) == [ServerSentEvent(data: "x")])
    }

    @Test func refusesOversizedEvents() throws {
        #expect(throws: ServerSentEventError.self) {
            try Self.parse(["data: " + String(repeating: "x", count: 100) + "\n"], maximum: 64)
        }
        // Many data lines count together.
        #expect(throws: ServerSentEventError.self) {
            try Self.parse(Array(repeating: "data: 0123456789\n", count: 10), maximum: 64)
        }
        #expect(try Self.parse(["data: 0123456789\n\n"], maximum: 64).count == 1)
    }
}
