internal import CLibYAML

/// Builds `YAMLDocument`s straight from libyaml events, enforcing Charter's refusals as it goes.
///
/// Open collections live on an explicit stack, so input nesting never turns into Swift
/// recursion; the stack is bounded by `YAMLLimits.maxDepth` before anything is pushed.
struct TreeBuilder: EventSink {
    private struct Frame {
        var isMapping: Bool
        var mark: Mark
        var tag: String?
        /// Where the collection's children start in `pending`.
        var start: Int
        /// Key texts and marks, built only once a mapping outgrows a linear scan.
        var keyIndex: [String: Mark]?
    }

    /// Below this many keys a linear scan beats hashing every key of every small mapping.
    private static let linearKeyScanLimit = 12

    let limits: YAMLLimits
    private(set) var documents: [YAMLDocument] = []
    private var stack: [Frame] = []
    /// Finished children of all open collections, innermost last; a mapping's keys and values
    /// alternate. Each collection's array is made once, at its exact size, when it closes.
    private let pending = PendingNodes()
    private var root: YAMLNode?
    private var documentMark = Mark(line: 1, column: 1)
    private var nodeCount = 0

    init(limits: YAMLLimits) {
        self.limits = limits
        stack.reserveCapacity(max(0, min(limits.maxDepth, 64)))
    }

    mutating func consume(_ event: UnsafeMutablePointer<yaml_event_t>) throws(YAMLError) {
        let mark = LibYAMLEvents.mark(event.pointee.start_mark)
        switch event.pointee.type {
        case YAML_SCALAR_EVENT:
            let scalar = event.pointee.data.scalar
            try refuseAnchor(scalar.anchor, at: mark)
            try countNode(at: mark)
            let text = String(
                decoding: UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)),
                as: UTF8.self
            )
            var tag: String?
            if let rawTag = scalar.tag {
                tag = try Self.checkedScalarTag(rawTag, text: text, at: mark)
            }
            if expectsKey {
                try checkDuplicate(text, at: mark)
            }
            attach(YAMLNode(content: .scalar(text, Self.style(scalar.style)), mark: mark, tag: tag))
        case YAML_MAPPING_START_EVENT:
            let start = event.pointee.data.mapping_start
            try open(isMapping: true, anchor: start.anchor, tag: start.tag, at: mark)
        case YAML_SEQUENCE_START_EVENT:
            let start = event.pointee.data.sequence_start
            try open(isMapping: false, anchor: start.anchor, tag: start.tag, at: mark)
        case YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            let pairs = pending.removePairs(from: frame.start)
            attach(YAMLNode(content: .mapping(pairs), mark: frame.mark, tag: frame.tag))
        case YAML_SEQUENCE_END_EVENT:
            let frame = stack.removeLast()
            let items = pending.removeSequence(from: frame.start)
            attach(YAMLNode(content: .sequence(items), mark: frame.mark, tag: frame.tag))
        case YAML_ALIAS_EVENT:
            let name = event.pointee.data.alias.anchor.map { String(cString: $0) } ?? ""
            throw Self.aliasError("*\(name)", at: mark)
        case YAML_DOCUMENT_START_EVENT:
            documentMark = mark
            root = nil
        case YAML_DOCUMENT_END_EVENT:
            documents.append(YAMLDocument(root: Self.nonEmpty(root), mark: documentMark, index: documents.count))
            root = nil
        default:
            break
        }
    }

    /// Whether the next node completed is a key of the innermost mapping.
    private var expectsKey: Bool {
        guard let top = stack.indices.last, stack[top].isMapping else { return false }
        return (pending.count - stack[top].start) & 1 == 0
    }

    private mutating func open(
        isMapping: Bool,
        anchor: UnsafeMutablePointer<yaml_char_t>?,
        tag rawTag: UnsafeMutablePointer<yaml_char_t>?,
        at mark: Mark
    ) throws(YAMLError) {
        try refuseAnchor(anchor, at: mark)
        if expectsKey {
            throw YAMLError(
                mark: mark,
                message: "mapping keys must be plain strings (found a \(isMapping ? "mapping" : "sequence"))",
                kind: .syntax
            )
        }
        guard stack.count < limits.maxDepth else {
            throw YAMLError(
                mark: mark,
                message: "collections are nested more than \(limits.maxDepth) levels deep",
                kind: .tooDeep
            )
        }
        try countNode(at: mark)
        var tag: String?
        if let rawTag {
            tag = try Self.checkedCollectionTag(rawTag, isMapping: isMapping, at: mark)
        }
        stack.append(Frame(isMapping: isMapping, mark: mark, tag: tag, start: pending.count))
    }

    /// Hands a finished node to its parent collection, or makes it the document root.
    private mutating func attach(_ node: consuming YAMLNode) {
        if stack.isEmpty {
            root = node
        } else {
            pending.append(node)
        }
    }

    /// Refuses a key already present in the innermost mapping; called before the key is attached.
    private mutating func checkDuplicate(_ text: String, at mark: Mark) throws(YAMLError) {
        let top = stack.count - 1
        let start = stack[top].start
        var first: Mark?
        if stack[top].keyIndex != nil {
            first = stack[top].keyIndex![text]
            if first == nil { stack[top].keyIndex![text] = mark }
        } else {
            var index = start
            while index < pending.count {
                if case .scalar(let existing, _) = pending[index].content, existing == text {
                    first = pending[index].mark
                    break
                }
                index += 2
            }
            let keys = (pending.count - start) / 2
            if first == nil, keys >= Self.linearKeyScanLimit {
                var keyIndex: [String: Mark] = [:]
                keyIndex.reserveCapacity(keys * 2)
                for index in stride(from: start, to: pending.count, by: 2) {
                    if case .scalar(let existing, _) = pending[index].content {
                        keyIndex[existing] = pending[index].mark
                    }
                }
                keyIndex[text] = mark
                stack[top].keyIndex = keyIndex
            }
        }
        if let first {
            throw YAMLError(
                mark: mark,
                message: "duplicate key '\(Self.excerpt(text))' (first at \(first))",
                kind: .duplicateKey
            )
        }
    }

    private mutating func countNode(at mark: Mark) throws(YAMLError) {
        nodeCount += 1
        guard nodeCount <= limits.maxNodes else {
            throw YAMLError(
                mark: mark,
                message: "the file has more than \(limits.maxNodes) nodes",
                kind: .tooManyNodes
            )
        }
    }

    private func refuseAnchor(_ anchor: UnsafeMutablePointer<yaml_char_t>?, at mark: Mark) throws(YAMLError) {
        guard let anchor else { return }
        throw Self.aliasError("&\(String(cString: anchor))", at: mark)
    }

    // MARK: - Helpers without state

    /// libyaml reports a bare `---` as an empty plain scalar; Charter calls that an empty document.
    private static func nonEmpty(_ root: YAMLNode?) -> YAMLNode? {
        guard let root, root.tag == nil, case .scalar(let text, .plain) = root.content, text.isEmpty else {
            return root
        }
        return nil
    }

    private static func aliasError(_ token: String, at mark: Mark) -> YAMLError {
        // Refusing at the first anchor makes alias bombs ("billion laughs") fail in microseconds.
        YAMLError(
            mark: mark,
            message: "YAML anchors and aliases are not supported (found '\(excerpt(token))'); "
                + "write the value out in full",
            kind: .alias
        )
    }

    private static func style(_ style: yaml_scalar_style_t) -> ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private static func excerpt(_ text: String) -> String {
        guard text.unicodeScalars.count > 60 else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(57))) + "..."
    }
}
