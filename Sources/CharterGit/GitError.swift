import CGit2
import CharterFoundation

/// A failed libgit2 call (or a Charter-level git failure), with the operation it was part of.
///
/// Messages never carry credentials: URLs are redacted before they are stored.
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// A libgit2 return code (`GIT_E*`), or one of the Charter-defined codes below.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let generic = Code(rawValue: GIT_ERROR.rawValue)
        public static let notFound = Code(rawValue: GIT_ENOTFOUND.rawValue)
        public static let exists = Code(rawValue: GIT_EEXISTS.rawValue)
        public static let ambiguous = Code(rawValue: GIT_EAMBIGUOUS.rawValue)
        public static let nonFastForward = Code(rawValue: GIT_ENONFASTFORWARD.rawValue)
        public static let invalidSpec = Code(rawValue: GIT_EINVALIDSPEC.rawValue)
        public static let locked = Code(rawValue: GIT_ELOCKED.rawValue)
        /// A compare-and-swap reference update found another value than expected.
        public static let modified = Code(rawValue: GIT_EMODIFIED.rawValue)
        public static let auth = Code(rawValue: GIT_EAUTH.rawValue)
        public static let certificate = Code(rawValue: GIT_ECERTIFICATE.rawValue)
        public static let user = Code(rawValue: GIT_EUSER.rawValue)
        /// Charter-defined: the remote refused at least one reference of a push that libgit2 reported as done.
        public static let pushRejected = Code(rawValue: -1001)
        /// Charter-defined: the caller passed something this wrapper refuses (a bad path, a bad ref name).
        public static let invalidArgument = Code(rawValue: -1002)
        /// Charter-defined: a tree is larger or deeper than the caller's bound.
        public static let tooLarge = Code(rawValue: -1003)

        public var description: String { String(rawValue) }
    }

    /// The return code of the failing call.
    public var code: Code
    /// The libgit2 error class (`git_error_t`, e.g. 12 = net, 23 = ssh); 0 when libgit2 set none.
    public var errorClass: Int32
    /// What went wrong, in libgit2's words or ours.
    public var message: String
    /// What Charter was doing, e.g. "fetch refs/heads/main from ssh://host/repo".
    public var operation: String

    public init(code: Code, errorClass: Int32 = 0, message: String, operation: String) {
        self.code = code
        self.errorClass = errorClass
        self.message = redactingURLs(in: message)
        self.operation = redactingURLs(in: operation)
    }

    public var description: String {
        "\(operation) failed: \(message) (code \(code.rawValue), class \(errorClass))"
    }

    /// Builds an error from libgit2's thread-local last error.
    ///
    /// Must run on the thread of the failing call, synchronously after it: the message is thread-local
    /// and the next libgit2 call may replace it.
    static func fromLastError(code: Int32, operation: String, override: String? = nil) -> GitError {
        var errorClass: Int32 = 0
        var message = "libgit2 error \(code)"
        if let last = git_error_last() {
            errorClass = last.pointee.klass
            if let text = last.pointee.message { message = String(cString: text) }
        }
        git_error_clear()
        return GitError(
            code: Code(rawValue: code), errorClass: errorClass, message: override ?? message, operation: operation)
    }
}

/// Throws a `GitError` when a libgit2 call returned a negative code.
@inline(__always)
func gitCheck(_ code: Int32, _ operation: @autoclosure () -> String) throws {
    if code < 0 { throw GitError.fromLastError(code: code, operation: operation()) }
}

/// `text` with the secret parts of its URLs replaced by `***` (see ``Redaction/redactURLs(_:)``).
func redactingURLs(in text: String) -> String { Redaction.redactURLs(text) }
