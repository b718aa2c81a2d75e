/// Bounds that keep a hostile or broken file from exhausting memory or time.
public struct YAMLLimits: Sendable {
    /// Largest accepted input, in bytes; checked before parsing starts.
    public var maxBytes: Int
    /// Deepest accepted nesting of mappings and sequences; a top-level mapping is depth 1.
    ///
    /// The tree is released recursively, so keep this in the thousands at most.
    public var maxDepth: Int
    /// Most nodes (scalars, mappings and sequences) accepted across all documents of a stream.
    public var maxNodes: Int

    /// Creates limits.
    public init(maxBytes: Int = 1_048_576, maxDepth: Int = 64, maxNodes: Int = 200_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// 1 MiB, 64 levels, 200,000 nodes: far beyond any hand-written configuration file.
    public static let `default` = YAMLLimits()
}
