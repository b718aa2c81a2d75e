import Foundation

/// The shared secret that webhook deliveries must prove they know.
///
/// It prints as `<redacted>` everywhere (`description`, `debugDescription`, `dump`), so a
/// configuration or an error that holds one can be logged without leaking it.
public struct WebhookSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]

    /// A secret of `bytes`, or nil when there are none: an empty secret would let anyone sign.
    public init?(_ bytes: some Sequence<UInt8>) {
        let bytes = Array(bytes)
        guard !bytes.isEmpty else { return nil }
        self.bytes = bytes
    }

    /// The UTF-8 bytes of the environment variable `name`, or nil when it is unset or empty.
    ///
    /// Secrets come from the environment, never from the command line, where any local user could
    /// read them in the process list.
    public init?(
        environmentVariable name: String, in environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        guard let value = environment[name] else { return nil }
        self.init(Array(value.utf8))
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
