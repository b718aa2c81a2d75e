import CharterModel
import CharterStore
import Foundation

/// The events files of the status branch: `events/YYYY/MM/DD/<first-seq>-<last-seq>.jsonl.gz`.
///
/// Each file holds one written batch of consecutive events as JSON Lines — one canonical JSON event per
/// line, each line ending in `\n` — compressed with deterministic gzip. Files are immutable: a batch is
/// never appended to, so concurrent writers never edit the same path, and the sequence range in the name
/// keeps paths from colliding. The date is the first event's UTC day; sequence numbers are zero-padded
/// to 12 digits so names sort in chain order.
///
/// When events are written again because the file that held them cannot be read, and their usual name
/// is that damaged file's, the new file is a copy: `<first>-<last>.<n>.jsonl.gz` with the smallest free
/// `n` from 1, so the damaged file is never overwritten.
public enum EventFile {
    /// The directory of events files in the status branch's tree.
    public static let directory = "events"

    /// The file name suffix.
    public static let suffix = ".jsonl.gz"

    /// The path of the file holding `events` (non-empty, consecutive, in order).
    public static func path(for events: [Event]) -> String {
        precondition(!events.isEmpty, "an events file holds at least one event")
        return path(first: events.first!.sequence, last: events.last!.sequence, date: events.first!.time)
    }

    /// The path of the file holding events `first` through `last`, the first written at `date`.
    public static func path(first: Int, last: Int, date: Date) -> String {
        let day = Event.timestamp(date).prefix(10).replacingOccurrences(of: "-", with: "/")
        return "\(directory)/\(day)/\(padded(first))-\(padded(last))\(suffix)"
    }

    /// The path of the file holding `events` (non-empty, consecutive, in order) that is none of `taken`:
    /// the usual path, else the first free copy of it (`….1.jsonl.gz`, `….2.jsonl.gz`…).
    public static func path(for events: [Event], avoiding taken: Set<String>) -> String {
        let usual = path(for: events)
        guard taken.contains(usual) else { return usual }
        let stem = usual.dropLast(suffix.count)
        return (1...).lazy.map { "\(stem).\($0)\(suffix)" }.first { !taken.contains($0) }!
    }

    private static func padded(_ sequence: Int) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// Whether `path` names an events file (by shape; the contents are checked by `read`).
    public static func isEventFile(_ path: String) -> Bool {
        path.hasPrefix(directory + "/") && path.hasSuffix(suffix)
    }

    /// The sequence range in an events file's name (a copy's too), or nil if the name does not have that
    /// shape.
    public static func sequenceRange(ofPath path: String) -> ClosedRange<Int>? {
        guard isEventFile(path), let name = path.split(separator: "/").last else { return nil }
        var stem = name.dropLast(suffix.count)
        if let dot = stem.lastIndex(of: ".") {
            // A copy: `.<n>` with n ≥ 1, digits only.
            let copy = stem[stem.index(after: dot)...]
            guard isNumber(copy), copy.first != "0" else { return nil }
            stem = stem[..<dot]
        }
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy(isNumber), let first = Int(parts[0]), let last = Int(parts[1]),
            first >= 1, first <= last
        else { return nil }
        return first...last
    }

    private static func isNumber(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `event` as canonical JSON: seq, id, type, time, actor, data, prev, hash.
    public static func line(_ event: Event) -> [UInt8] {
        CanonicalJSON.encode(event.value)
    }

    /// The uncompressed JSON Lines of `events`, every line `\n`-terminated.
    public static func jsonLines(_ events: [Event]) -> [UInt8] {
        var out: [UInt8] = []
        for event in events {
            CanonicalJSON.write(event.value, into: &out)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// The compressed contents of the file holding `events`.
    public static func contents(_ events: [Event]) -> [UInt8] {
        Gzip.compress(jsonLines(events))
    }

    /// The path and compressed contents of the file holding `events` (non-empty).
    public static func file(for events: [Event]) -> (path: String, bytes: [UInt8]) {
        (path(for: events), contents(events))
    }

    /// The events in an events file's compressed contents, in file order; `path` only names the file in
    /// errors. Checks each line's shape, not the chain (see `EventChain.verify`).
    public static func read(
        _ bytes: [UInt8], path: String = "events file", maxBytes: Int = Gzip.defaultMaxBytes
    ) throws(EventFileError) -> [Event] {
        let text: [UInt8]
        do { text = try Gzip.decompress(bytes, maxBytes: maxBytes) } catch {
            throw EventFileError(path: path, line: nil, message: error.description)
        }
        return try parse(text, path: path)
    }

    /// The events in uncompressed JSON Lines.
    ///
    /// Lines split on `\n` only (U+2028 may occur inside strings); a trailing `\r` is tolerated; a blank
    /// line, or a missing newline after the last line, is an error.
    public static func parse(_ text: [UInt8], path: String = "events file") throws(EventFileError) -> [Event] {
        guard !text.isEmpty else { throw EventFileError(path: path, line: nil, message: "file holds no events") }
        guard text.last == UInt8(ascii: "\n") else {
            throw EventFileError(path: path, line: nil, message: "last line is not terminated by a newline")
        }
        var events: [Event] = []
        var lineNumber = 0
        for raw in text.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = raw
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard !line.isEmpty else { throw EventFileError(path: path, line: lineNumber, message: "blank line") }
            let value: Value
            do { value = try Value(json: Array(line)) } catch {
                throw EventFileError(path: path, line: lineNumber, message: error.description)
            }
            events.append(try event(from: value, path: path, line: lineNumber))
        }
        return events
    }

    private static func event(from value: Value, path: String, line: Int) throws(EventFileError) -> Event {
        func fail(_ message: String) -> EventFileError { EventFileError(path: path, line: line, message: message) }
        guard let object = value.object else { throw fail("an event must be a JSON object") }
        let expected: Set<String> = ["seq", "id", "type", "time", "actor", "data", "prev", "hash"]
        if let unknown = Set(object.keys).subtracting(expected).sorted().first {
            throw fail("unknown field '\(unknown)'")
        }
        func string(_ key: String) throws(EventFileError) -> String {
            guard let s = object[key]?.string else { throw fail("field '\(key)' must be a string") }
            return s
        }
        guard case .int(let sequence) = object["seq"], sequence >= 1 else {
            throw fail("field 'seq' must be a positive integer")
        }
        guard let data = object["data"] else { throw fail("field 'data' is missing") }
        let timestamp = try string("time")
        guard let time = Event.date(fromTimestamp: timestamp) else {
            throw fail("field 'time' must be UTC RFC 3339 with milliseconds, not '\(timestamp)'")
        }
        return Event.stored(
            sequence: sequence, id: try string("id"), type: try string("type"), time: time,
            actor: try string("actor"), data: data, previousHash: try string("prev"), hash: try string("hash"))
    }
}

/// An events file that cannot be read.
public struct EventFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file's path in the status branch.
    public var path: String
    /// The 1-based line, when the problem is on one line.
    public var line: Int?
    /// What is wrong.
    public var message: String

    /// "path:line: message".
    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
