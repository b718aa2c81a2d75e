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
        let extra = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(stamp) \(level.rawValue) \(message)" + (extra.isEmpty ? "" : " " + extra)
    }
}

extension Logger {
    /// Logs `line` at its level, its fields as metadata; its time is the handler's to stamp.
    public func log(_ line: LogLine) {
        log(level: line.level, "\(line.message)", metadata: line.fields.mapValues { .string($0) })
    }
}
