import CharterYAML

/// Where a resource was defined.
public struct SourceLocation: Sendable, Hashable {
    /// Repository-relative path, `/`-separated.
    public var file: String
    /// 0-based position of the document in a multi-document file.
    public var documentIndex: Int
    public var line: Int
    public var column: Int

    public init(file: String, documentIndex: Int, line: Int, column: Int) {
        self.file = file
        self.documentIndex = documentIndex
        self.line = line
        self.column = column
    }
}

/// One resource: its identity and its normalized document (`apiVersion`, `kind`, `metadata`,
/// `spec`, with defaults applied).
///
/// Immutable and shared by reference: states, caches and plans hold the same resource without
/// copying its document and YAML tree (copies of a large struct showed up in load profiles).
public final class Resource: Sendable {
    public let id: ResourceID
    public let value: Value
    /// Where it was loaded from; nil for resources read back from the store.
    public let source: SourceLocation?
    /// The YAML it was read from, kept to point errors at fields.
    public let node: YAMLNode?

    public init(id: ResourceID, value: Value, source: SourceLocation? = nil, node: YAMLNode? = nil) {
        self.id = id
        self.value = value
        self.source = source
        self.node = node
    }

    /// The `spec` mapping.
    public var spec: Value { value["spec"] ?? .object([:]) }
    /// The `metadata.labels` mapping.
    public var labels: [String: String] { value["metadata"]?["labels"]?.stringMap ?? [:] }

    /// SHA-256 of the canonical JSON of the normalized document: equal content, equal hash.
    public var contentHash: String { CanonicalJSON.sha256(value) }

    /// The source position of the field at `pointer`, or of its closest existing ancestor.
    public func mark(at pointer: JSONPointer) -> (line: Int, column: Int)? {
        guard var node = self.node else { return source.map { ($0.line, $0.column) } }
        for token in pointer.tokens {
            switch node.content {
            case .mapping(let pairs):
                guard
                    let pair = pairs.first(where: { if case .scalar(token, _) = $0.key.content { true } else { false } }
                    )
                else { return (node.mark.line, node.mark.column) }
                node = pair.value
            case .sequence(let items):
                guard let i = Int(token), items.indices.contains(i) else { return (node.mark.line, node.mark.column) }
                node = items[i]
            case .scalar:
                return (node.mark.line, node.mark.column)
            }
        }
        return (node.mark.line, node.mark.column)
    }

    /// A diagnostic about the field at `pointer` of this resource.
    public func diagnostic(
        _ code: String, at pointer: JSONPointer, _ message: String, hint: String? = nil
    )
        -> Diagnostic
    {
        let m = mark(at: pointer)
        return Diagnostic(
            code: code, file: source?.file ?? "(applied state)", line: m?.line ?? 0, column: m?.column ?? 0,
            resource: id, path: pointer, message: message, hint: hint)
    }
}
