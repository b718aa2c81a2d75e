/// An API key read from a credential reference, wrapped so that it cannot be printed by accident.
///
/// Its `description`, `debugDescription` and reflection (what `dump`, `String(reflecting:)` and
/// string interpolation of an enclosing struct show) are all `APIKey(***)`: the key must never
/// reach logs, events, artifacts or error messages. Only the providers in this module read the
/// value, to put it in a request header.
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; module-internal so that nothing outside the providers can print it.
    let value: String

    /// A key; prefer ``CredentialResolver`` over literals, which end up in source files.
    public init(_ value: String) {
        self.value = value
    }

    /// The secret, for the controller's other senders that put a credential on the wire
    /// (notifications sign with it, or send it as the SMTP password); never for text.
    public var revealed: String { value }

    public var description: String { "APIKey(***)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// `text` with every occurrence of the key replaced by `***`: a defense in depth behind
    /// ``CompletionError/redact(_:)``, which recognizes common key shapes but not arbitrary ones.
    func scrub(_ text: String) -> String {
        guard !value.isEmpty, text.contains(value) else { return text }
        return text.replacingOccurrences(of: value, with: "***")
    }
}
