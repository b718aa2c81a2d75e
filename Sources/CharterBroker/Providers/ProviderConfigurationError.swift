/// Why a provider could not be made from a CapacitySource: its credential cannot be read, or its
/// endpoint is not usable.
///
/// Messages name the environment variable, the file or the endpoint (with any user-info masked),
/// never a credential's value.
public struct ProviderConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of problem.
    public enum Kind: Sendable, Hashable {
        /// The environment variable is not set, or the file does not exist.
        case credentialMissing
        /// The variable or file holds only whitespace.
        case credentialEmpty
        /// The file cannot be opened or read, or is not a regular file.
        case credentialUnreadable
        /// The file is larger than ``CredentialResolver/maximumFileBytes``.
        case credentialTooLarge
        /// The file lies outside the configured credentials directory.
        case credentialOutsideDirectory
        /// The key contains characters that cannot go into an HTTP header (control characters,
        /// inner whitespace).
        case credentialMalformed
        /// The endpoint is not an `http`/`https` URL with a host, carries user-info, a query or a
        /// fragment, or names an address the Organization's `spec.endpoints` does not allow.
        case invalidEndpoint
    }

    /// The class of problem.
    public var kind: Kind
    /// What is wrong and where, without secrets.
    public var message: String

    /// An error of `kind`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
