import CharterModel
import Foundation

/// One request the egress proxy answered: what was asked, what was decided and why, and how many
/// bytes the tunnel carried.
public struct EgressLogEntry: Sendable, Hashable {
    /// When the decision was made.
    public var time: Date
    /// The host the step asked for, as it wrote it; empty when the request did not parse.
    public var host: String
    /// The port the step asked for; 0 when the request did not parse.
    public var port: Int
    /// The address the tunnel connected to, if it did.
    public var address: IPAddress?
    /// Whether a tunnel was opened.
    public var allowed: Bool
    /// The HTTP status of the answer: 200, or 400, 403, 405, 431, 502, 503.
    public var status: Int
    /// Why, as the refused client was told.
    public var reason: String
    /// Bytes from the step to the destination.
    public var bytesUp: Int
    /// Bytes from the destination to the step.
    public var bytesDown: Int

    /// Creates an entry.
    public init(
        time: Date, host: String, port: Int, address: IPAddress?, allowed: Bool, status: Int, reason: String,
        bytesUp: Int = 0, bytesDown: Int = 0
    ) {
        self.time = time
        self.host = host
        self.port = port
        self.address = address
        self.allowed = allowed
        self.status = status
        self.reason = reason
        self.bytesUp = bytesUp
        self.bytesDown = bytesDown
    }
}

/// The proxy's log: the first entries, and a count of those not kept, so a step cannot grow the
/// controller's memory by opening connections.
public struct EgressLog: Sendable, Hashable {
    /// The entries kept, oldest first.
    public var entries: [EgressLogEntry]
    /// Requests answered after the log was full.
    public var omitted: Int

    /// Creates a log.
    public init(entries: [EgressLogEntry] = [], omitted: Int = 0) {
        self.entries = entries
        self.omitted = omitted
    }
}
