/// Why a cron expression was refused.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, naming the field and the offending value.
    public var message: String
    /// The field at fault (`minute`, `hour`, `day-of-month`, `month`, `day-of-week`), if one is.
    public var field: String?
    /// The 0-based character position of the offending text in the expression, if known.
    public var offset: Int?

    /// Creates an error.
    public init(message: String, field: String? = nil, offset: Int? = nil) {
        self.message = message
        self.field = field
        self.offset = offset
    }

    /// The message; it already names the field and value.
    public var description: String { message }
}
