/// How a scalar was written in the source.
///
/// Only plain scalars are subject to schema resolution (`true`, `12`, `~`); every other
/// style is a string whatever it looks like.
public enum ScalarStyle: Sendable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// One node of a YAML document, with the position where it starts.
public struct YAMLNode: Sendable {
    /// The value of a node: a scalar with its style, a mapping, or a sequence.
    public enum Content: Sendable {
        /// A scalar's text (after escapes and folding) and the style it was written in.
        case scalar(String, ScalarStyle)
        /// Key-value pairs in source order; keys are always scalars and unique.
        case mapping([YAMLPair])
        /// Items in source order.
        case sequence([YAMLNode])
    }

    /// The node's value.
    public var content: Content
    /// Where the node starts.
    public var mark: Mark
    /// The explicit tag in full form (`tag:yaml.org,2002:str` for `!!str`), or nil when none was written.
    public var tag: String?

    /// Creates a node.
    public init(content: Content, mark: Mark, tag: String? = nil) {
        self.content = content
        self.mark = mark
        self.tag = tag
    }
}

/// A key and its value in a mapping.
public struct YAMLPair: Sendable {
    /// The key; always a scalar node.
    public var key: YAMLNode
    /// The value.
    public var value: YAMLNode

    /// Creates a pair.
    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// One document of a YAML stream.
public struct YAMLDocument: Sendable {
    /// The document's root node, or nil for an empty document (a bare `---`).
    public var root: YAMLNode?
    /// Where the document starts (its `---`, or its first node when the marker is implicit).
    public var mark: Mark
    /// The 0-based position of the document in the stream.
    public var index: Int

    /// Creates a document.
    public init(root: YAMLNode?, mark: Mark, index: Int) {
        self.root = root
        self.mark = mark
        self.index = index
    }
}

extension YAMLNode {
    /// The scalar's text, or nil for a mapping or a sequence.
    public var scalarText: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }
}
