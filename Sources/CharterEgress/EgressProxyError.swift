/// Why the egress proxy could not start.
public struct EgressProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong and what to do about it.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
