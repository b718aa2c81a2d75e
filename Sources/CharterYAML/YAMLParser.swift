internal import CLibYAML

/// Parses YAML with the system libyaml into `YAMLNode` trees, refusing what Charter never accepts.
///
/// Refused: anchors and aliases, non-standard tags, duplicate keys, non-scalar keys, non-UTF-8
/// input, and anything beyond `YAMLLimits`. Every refusal carries a mark where one exists.
public enum YAMLParser {
    /// Parses every document of a stream (documents are separated by `---`).
    ///
    /// An empty stream (no content, or only comments) has no documents.
    public static func parse(_ bytes: [UInt8], limits: YAMLLimits = .default) throws(YAMLError) -> [YAMLDocument] {
        guard bytes.count <= limits.maxBytes else {
            throw YAMLError(
                mark: nil,
                message: "the file is \(bytes.count) bytes, more than the limit of \(limits.maxBytes) bytes",
                kind: .tooLarge
            )
        }
        var builder = TreeBuilder(limits: limits)
        try run(bytes, into: &builder)
        return builder.documents
    }

    /// Runs libyaml over the input and counts its events without building anything.
    ///
    /// This is the floor `parse` is measured against; it applies the same encoding checks.
    public static func countEvents(_ bytes: [UInt8]) throws(YAMLError) -> Int {
        var counter = EventCounter()
        try run(bytes, into: &counter)
        return counter.count
    }

    private static func run<Sink: EventSink>(_ bytes: [UInt8], into sink: inout Sink) throws(YAMLError) {
        let result = bytes.withUnsafeBufferPointer { buffer -> Result<Void, YAMLError> in
            do throws(YAMLError) {
                try checkEncoding(buffer)
                try LibYAMLEvents.forEach(in: buffer, into: &sink)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Refuses UTF-16 and UTF-32 up front: libyaml would silently decode UTF-16, and Charter's
    /// files must be UTF-8 so that byte offsets, hashes and diffs agree across tools.
    private static func checkEncoding(_ bytes: UnsafeBufferPointer<UInt8>) throws(YAMLError) {
        guard bytes.count >= 2 else { return }
        let wide: String?
        if (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) {
            wide = "starts with a UTF-16 byte order mark"
        } else if bytes[0] == 0 || bytes[1] == 0 {
            wide = "looks like UTF-16 or UTF-32 (NUL bytes at its start)"
        } else {
            wide = nil
        }
        if let wide {
            throw YAMLError(
                mark: Mark(line: 1, column: 1),
                message: "the file \(wide); Charter requires UTF-8: save the file as UTF-8",
                kind: .encoding
            )
        }
    }
}

/// Receives libyaml events one at a time; the event is only valid during the call.
protocol EventSink {
    /// Handles one event; throwing stops the parse.
    mutating func consume(_ event: UnsafeMutablePointer<yaml_event_t>) throws(YAMLError)
}

private struct EventCounter: EventSink {
    var count = 0
    mutating func consume(_ event: UnsafeMutablePointer<yaml_event_t>) throws(YAMLError) {
        count += 1
    }
}

/// The libyaml event loop and its error translation.
enum LibYAMLEvents {
    static func forEach<Sink: EventSink>(
        in input: UnsafeBufferPointer<UInt8>,
        into sink: inout Sink
    ) throws(YAMLError) {
        // libyaml keeps a pointer to the parser inside itself (string input handler data),
        // so the parser needs a stable address rather than a Swift local.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        // libyaml asserts on a null input pointer, which an empty array may give.
        let empty = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        defer {
            parser.deallocate()
            event.deallocate()
            empty.deallocate()
        }
        guard yaml_parser_initialize(parser) != 0 else {
            throw YAMLError(mark: nil, message: "libyaml could not allocate a parser", kind: .tooLarge)
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, input.baseAddress ?? UnsafePointer(empty), input.count)

        while true {
            guard yaml_parser_parse(parser, event) != 0 else {
                throw error(of: parser, input: input)
            }
            defer { yaml_event_delete(event) }
            let type = event.pointee.type
            try sink.consume(event)
            if type == YAML_STREAM_END_EVENT { return }
        }
    }

    static func mark(_ mark: yaml_mark_t) -> Mark {
        Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func error(
        of parser: UnsafeMutablePointer<yaml_parser_t>, input: UnsafeBufferPointer<UInt8>
    )
        -> YAMLError
    {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown problem"
        switch state.error {
        case YAML_READER_ERROR:
            let offset = Int(state.problem_offset)
            let where_ = Mark.at(byteOffset: offset, in: input)
            let position = "at byte offset \(offset) (line \(where_.line), column \(where_.column))"
            let message: String
            if problem.contains("UTF-8") || problem.contains("Unicode") {
                message = "invalid UTF-8 \(position) (\(problem)); save the file as UTF-8"
            } else if problem.contains("control characters") {
                let hex = String(UInt32(truncatingIfNeeded: state.problem_value), radix: 16, uppercase: true)
                let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                message = "control character U+\(code) \(position) is not allowed in YAML"
            } else {
                message = "\(problem) \(position)"
            }
            return YAMLError(mark: where_, message: message, kind: .encoding)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            let at = mark(state.problem_mark)
            var message = problem
            if let context = state.context {
                message += " \(String(cString: context)) that started at \(mark(state.context_mark))"
            }
            if at.firstByte(in: input) == UInt8(ascii: "\t") {
                // libyaml's wording hides the usual cause: a tab where YAML allows only spaces.
                message += " (a tab: indent YAML with spaces)"
            }
            return YAMLError(mark: at, message: message, kind: .syntax)
        case YAML_MEMORY_ERROR:
            return YAMLError(mark: nil, message: "libyaml ran out of memory", kind: .tooLarge)
        default:
            return YAMLError(mark: nil, message: "libyaml failed: \(problem)", kind: .syntax)
        }
    }
}
