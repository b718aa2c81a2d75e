import Foundation
import Logging

/// A swift-log handler that writes each entry as a ``LogLine``: the controller, the webhook server,
/// Hummingbird and ServiceLifecycle all log through one `Logger` and come out in one format
/// (`--log-format text` or `json`) with one set of level names.
///
/// The handler's metadata and the entry's are merged into the line's fields (the entry's win), each
/// value as its text.
public struct LogLineHandler: LogHandler {
    /// Logs below this level are dropped.
    public var logLevel: Logger.Level
    /// Fields added to every line.
    public var metadata: Logger.Metadata = [:]
    /// Adds task-local fields.
    public var metadataProvider: Logger.MetadataProvider?

    private let write: @Sendable (LogLine) -> Void
    private let now: @Sendable () -> Date

    /// A handler that passes each line to `write`, stamped with `now()`.
    public init(
        logLevel: Logger.Level = .info, now: @escaping @Sendable () -> Date = { Date() },
        write: @escaping @Sendable (LogLine) -> Void
    ) {
        self.logLevel = logLevel
        self.now = now
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        write(
            LogLine(
                time: now(), level: event.level, message: event.message.description,
                fields: merged.mapValues(\.description)))
    }
}
