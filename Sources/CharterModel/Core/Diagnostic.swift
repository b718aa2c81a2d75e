import CharterFoundation

/// One problem found in a revision: where it is, which resource, what is wrong and what to do.
///
/// Loading reports every diagnostic of a revision at once, sorted by file, line and column, the
/// way compilers do, so one run of `charter validate` shows everything to fix.
public struct Diagnostic: Sendable, Hashable, Comparable, CustomStringConvertible, Error {
    /// A stable identifier of the kind of problem, such as `schema.unknown-field`, for tools.
    public var code: String
    /// The repository-relative file, `/`-separated.
    public var file: String
    /// 1-based line; 0 when the problem concerns the whole file.
    public var line: Int
    /// 1-based column in Unicode scalars; 0 when unknown.
    public var column: Int
    /// The resource the problem is in, when known.
    public var resource: ResourceID?
    /// The field inside the resource, when the problem is about one field.
    public var path: JSONPointer?
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var hint: String?

    public init(
        code: String, file: String, line: Int = 0, column: Int = 0, resource: ResourceID? = nil,
        path: JSONPointer? = nil, message: String, hint: String? = nil
    ) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.resource = resource
        self.path = path
        self.message = message
        self.hint = hint
    }

    /// `file:line:column`, or less where the position is unknown.
    public var location: String {
        if line == 0 { return file }
        if column == 0 { return "\(file):\(line)" }
        return "\(file):\(line):\(column)"
    }

    /// `teams/core.yaml:7:5: error: Team/core: /spec/lead: person 'zoe' does not exist (hint: …)`.
    ///
    /// One line whatever the repository holds: file names, keys and quoted values may carry
    /// newlines or invisible characters, which would forge a line or hide a difference, so the
    /// line goes through ``DisplayText/escaped(_:)``. ``message`` keeps the exact text.
    public var description: String {
        var s = "\(location): error: "
        if let resource { s += "\(resource): " }
        if let path, !path.tokens.isEmpty { s += "\(path): " }
        s += message
        if let hint { s += " — \(hint)" }
        return DisplayText.escaped(s)
    }

    /// Sorted by file, line, column and message; a summary of omitted diagnostics sorts last.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.isSummary != rhs.isSummary { return rhs.isSummary }
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        if lhs.line != rhs.line { return lhs.line < rhs.line }
        if lhs.column != rhs.column { return lhs.column < rhs.column }
        return lhs.message < rhs.message
    }
}

/// The error thrown when a revision does not load: its diagnostics, sorted (at most
/// ``DiagnosticLimits`` of them, then a summary of the rest).
public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    /// Every problem found, including those the listing leaves out.
    public var errorCount: Int

    public init(_ diagnostics: [Diagnostic], errorCount: Int? = nil) {
        self.diagnostics = diagnostics.sorted()
        self.errorCount = errorCount ?? diagnostics.filter { !$0.isSummary }.count
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
            + "\n\(errorCount) error\(errorCount == 1 ? "" : "s"); the revision was not loaded"
    }
}
