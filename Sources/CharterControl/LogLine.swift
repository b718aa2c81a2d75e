import CharterFoundation
import CharterModel
import Foundation
import Logging

/// One line of the controller's log, as text or JSON. Its level is one of swift-log's
/// (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`), the one vocabulary of
/// every line the process writes.
public struct LogLine: Sendable {
    /// When it happened.
    public var time: Date
    /// How much it matters.
    public var level: Logger.Level
    /// What happened, for people.
    public var message: String
    /// Details, for filtering (`run`, `routine`, `reason`, …).
    public var fields: [String: String]

    /// A line; see the properties.
    public init(time: Date, level: Logger.Level, message: String, fields: [String: String]) {
        self.time = time
        self.level = level
        self.message = message
        self.fields = fields
    }

    /// `2026-11-21T07:00:00Z info message key=value …` or a canonical JSON object.
    public func render(json: Bool) -> String {
        let stamp = Timestamp.utc(time)
        if json {
            var object: [String: Value] = [
                "time": .string(stamp), "level": .string(level.rawValue), "msg": .string(message),
            ]
            for (k, v) in fields { object[k] = .string(v) }
            return CanonicalJSON.string(.object(object))
        }
        let extra = fields.sorted { $0.key < $1.key }.map { "\(Self.logfmt($0.key))=\(Self.logfmt($0.value))" }
            .joined(separator: " ")
        return "\(stamp) \(level.rawValue) \(DisplayText.escaped(message))" + (extra.isEmpty ? "" : " " + extra)
    }

    /// A key or value as logfmt writes it: bare when it is plain, else JSON-quoted with hidden
    /// characters escaped. A value from a request (a webhook header, a branch name) can then
    /// neither add a `key=value` of its own nor start a line.
    static func logfmt(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.value > 0x20 && $0.value < 0x7F && $0 != "=" && $0 != "\"" && $0 != "\\"
            }
        return plain ? text : DisplayJSON.quoted(text)
    }
}

extension Logger {
    /// Logs `line` at its level, its fields as metadata; its time is the handler's to stamp.
    public func log(_ line: LogLine) {
        log(level: line.level, "\(line.message)", metadata: line.fields.mapValues { .string($0) })
    }
}
