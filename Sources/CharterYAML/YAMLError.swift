/// Why a YAML stream was refused, and where.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    /// The broad class of a refusal, so callers can react without parsing messages.
    public enum Kind: Sendable, Hashable {
        /// libyaml could not scan or parse the text, or the structure is not allowed (non-scalar keys).
        case syntax
        /// The bytes are not UTF-8 (invalid sequences, UTF-16, control characters).
        case encoding
        /// An anchor (`&a`) or alias (`*a`) was found.
        case alias
        /// An explicit tag other than the standard scalar and collection tags, or one its value does not fit.
        case tag
        /// A mapping repeats a key.
        case duplicateKey
        /// The input is larger than `YAMLLimits.maxBytes`.
        case tooLarge
        /// Collections are nested deeper than `YAMLLimits.maxDepth`.
        case tooDeep
        /// The stream has more nodes than `YAMLLimits.maxNodes`.
        case tooManyNodes
    }

    /// Where the problem is, when it has a position.
    public var mark: Mark?
    /// What is wrong, written for the person who edits the file.
    public var message: String
    /// The class of the problem.
    public var kind: Kind

    /// Creates an error.
    public init(mark: Mark?, message: String, kind: Kind) {
        self.mark = mark
        self.message = message
        self.kind = kind
    }

    /// `"line:column: message"`, ready to follow a file name.
    public var description: String {
        if let mark { return "\(mark): \(message)" }
        return message
    }
}
