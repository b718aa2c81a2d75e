/// One server-sent event: its type (`event:`), its data (`data:` lines joined with `\n`) and id.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field, or `nil` for the default type (`message`).
    public var event: String?
    /// The `data:` lines of the event, joined with `\n`.
    public var data: String
    /// The `id:` field, when there was one.
    public var id: String?

    /// An event.
    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// An event stream broke the parser's size bound.
public struct ServerSentEventError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    public var description: String { message }
}

/// Splits a `text/event-stream` body, fed in arbitrary pieces (AsyncHTTPClient's `ByteBuffer`s),
/// into events, following the WHATWG parsing rules that matter for LLM APIs:
///
/// - lines end in `\r\n`, `\n` or `\r`, and a `\r\n` may be split between two pieces;
/// - a blank line ends an event; an event without `data:` is not dispatched;
/// - `data:` lines join with `\n`; one space after the colon is dropped; a line without a colon
///   is a field with an empty value; lines starting with `:` are comments (keep-alives);
/// - a byte-order mark at the very start is ignored; an unterminated event at the end is dropped.
///
/// Events are bounded by ``maximumEventBytes`` because the server is not trusted to end them.
public struct ServerSentEventParser: Sendable {
    /// The most bytes one event (its current line plus its data so far) may hold.
    public let maximumEventBytes: Int

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    private var lastID: String?
    private var afterCarriageReturn = false
    // A UTF-8 byte-order mark (EF BB BF) is stripped from the first line only.
    private var seenFirstLine = false

    /// A parser refusing events larger than `maximumEventBytes` (1 MiB by default).
    public init(maximumEventBytes: Int = 1 << 20) {
        self.maximumEventBytes = maximumEventBytes
    }

    /// The events that `bytes`, appended to what came before, complete.
    /// - Throws: ``ServerSentEventError`` when an event grows past ``maximumEventBytes``.
    public mutating func consume<Bytes: Collection<UInt8>>(
        _ bytes: Bytes
    ) throws(ServerSentEventError) -> [ServerSentEvent] {
        var result: Result<[ServerSentEvent], ServerSentEventError> = .success([])
        // Scanning contiguous memory a run at a time, not a byte at a time through the generic
        // collection: a stream may be megabytes long, and debug builds do not specialize.
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { result = consume(buffer: $0) }
        if contiguous == nil { result = Array(bytes).withUnsafeBufferPointer { consume(buffer: $0) } }
        return try result.get()
    }

    private mutating func consume(buffer: UnsafeBufferPointer<UInt8>) -> Result<[ServerSentEvent], ServerSentEventError>
    {
        var events: [ServerSentEvent] = []
        var index = 0
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\n") {
                index += 1
                if afterCarriageReturn {
                    afterCarriageReturn = false
                    continue
                }
                if let event = endLine() { events.append(event) }
            } else if byte == UInt8(ascii: "\r") {
                index += 1
                afterCarriageReturn = true
                if let event = endLine() { events.append(event) }
            } else {
                afterCarriageReturn = false
                let start = index
                while index < buffer.count, buffer[index] != UInt8(ascii: "\n"), buffer[index] != UInt8(ascii: "\r") {
                    index += 1
                }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<index]))
                guard line.count + data.count <= maximumEventBytes else {
                    return .failure(ServerSentEventError(message: "an event is larger than \(maximumEventBytes) bytes"))
                }
            }
        }
        return .success(events)
    }

    /// Processes a complete line; returns the event a blank line completes.
    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        var text = line[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]), !seenFirstLine { text = text.dropFirst(3) }
        seenFirstLine = true
        guard text.first != UInt8(ascii: ":") else { return nil }
        let colon = text.firstIndex(of: UInt8(ascii: ":"))
        let name = String(decoding: text[..<(colon ?? text.endIndex)], as: UTF8.self)
        var value = colon.map { text[text.index(after: $0)...] } ?? text[text.endIndex...]
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        switch name {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id" where !value.contains(0):
            lastID = String(decoding: value, as: UTF8.self)
        default:
            break  // `retry:` and unknown fields: nothing an API client needs
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
        }
        guard hasData else { return nil }
        let type = eventType.flatMap { $0.isEmpty ? nil : $0 }
        return ServerSentEvent(event: type, data: String(decoding: data, as: UTF8.self), id: lastID)
    }
}
