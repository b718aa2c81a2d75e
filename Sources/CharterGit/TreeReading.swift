import CGit2
import CharterFoundation

/// How a tree entry is stored, from its git file mode.
public enum GitFileMode: Hashable, Sendable {
    case regular
    case executable
    case symlink
    /// A gitlink: the "blob" id is the commit of another repository.
    case submodule
}

/// A file in a commit's tree (not its contents).
public struct TreeFile: Hashable, Sendable {
    /// Repository-relative, `/`-separated.
    public var path: String
    public var blob: ObjectID
    public var mode: GitFileMode
    /// The blob's size in bytes, when asked for; nil for submodules.
    public var size: Int?
    /// Whether every name on the path is UTF-8. When one is not, ``path`` shows its invalid bytes
    /// as `\xNN` (``FileNameText``) and names no file a reader may open: report it.
    public var isUTF8: Bool

    public init(path: String, blob: ObjectID, mode: GitFileMode, size: Int? = nil, isUTF8: Bool = true) {
        self.path = path
        self.blob = blob
        self.mode = mode
        self.size = size
        self.isUTF8 = isUTF8
    }
}

/// Bounds on a tree walk.
public struct TreeLimits: Sendable, Hashable {
    /// Most entries (trees and files) visited.
    public var maxEntries: Int
    /// Most files listed (that pass the walk's filter).
    public var maxListed: Int
    /// Deepest nesting of trees.
    public var maxDepth: Int

    public init(maxEntries: Int = 1_000_000, maxListed: Int = .max, maxDepth: Int = 256) {
        self.maxEntries = maxEntries
        self.maxListed = maxListed
        self.maxDepth = maxDepth
    }

    /// A million entries, 256 levels: far beyond any repository Charter reads.
    public static let `default` = TreeLimits()
}

/// What a tree walk has visited so far.
struct TreeWalk {
    let limits: TreeLimits
    let operation: String
    var entries = 0
    /// Blob sizes read so far.
    var sizes: [ObjectID: Int] = [:]
}

extension GitRepository {
    /// Lists the files of `commit`'s tree, recursively, whose path passes `include`, in tree order.
    ///
    /// Reads no contents. With `sizes`, each blob's size comes from its object header (cheap for packed
    /// objects, an inflate of the header for loose ones).
    ///
    /// Git stores a tree once however often it is listed, so a small push can name a tree inside
    /// itself thousands of times over: the walk stops with ``GitError/Code/tooLarge`` after
    /// `limits.maxEntries` entries (trees and files, listed or not), `limits.maxListed` files
    /// listed, or `limits.maxDepth` nested trees.
    public func listFiles(
        at commit: ObjectID, sizes: Bool = false, limits: TreeLimits = .default,
        where include: @Sendable (String) -> Bool = { _ in true }
    ) throws -> [TreeFile] {
        let operation = "list files at \(commit.short)"
        let tree = try lookupTree(ofCommit: commit, operation)
        defer { git_tree_free(tree) }
        var odb: OpaquePointer?
        if sizes { try gitCheck(git_repository_odb(&odb, repo), operation) }
        defer { git_odb_free(odb) }
        var files: [TreeFile] = []
        var walk = TreeWalk(limits: limits, operation: operation)
        try self.walk(tree, prefix: "", prefixIsUTF8: true, depth: 1, odb: odb, include: include, into: &files, &walk)
        return files
    }

    private func walk(
        _ tree: OpaquePointer, prefix: String, prefixIsUTF8: Bool, depth: Int, odb: OpaquePointer?,
        include: (String) -> Bool,
        into files: inout [TreeFile], _ state: inout TreeWalk
    ) throws {
        let operation = state.operation
        guard depth <= state.limits.maxDepth else {
            throw GitError(
                code: .tooLarge, message: "trees are nested more than \(state.limits.maxDepth) deep at \(prefix)",
                operation: operation)
        }
        let count = git_tree_entrycount(tree)
        state.entries += count
        guard state.entries <= state.limits.maxEntries else {
            throw GitError(
                code: .tooLarge, message: "the tree lists more than \(state.limits.maxEntries) entries",
                operation: operation)
        }
        for index in 0..<count {
            // Entries from _byindex belong to the tree: copy what we need before it is freed.
            let entry = git_tree_entry_byindex(tree, index)
            // Names are bytes: one that is not UTF-8 keeps its bytes visible (`\xff`) rather than
            // becoming U+FFFD, which two different names would share.
            let (name, nameIsUTF8) = FileNameText.decode(cString: git_tree_entry_name(entry))
            let isUTF8 = prefixIsUTF8 && nameIsUTF8
            let path = prefix.isEmpty ? name : prefix + "/" + name
            let id = git_tree_entry_id(entry)!
            let fileMode = git_tree_entry_filemode(entry)
            let mode: GitFileMode
            switch fileMode {
            case GIT_FILEMODE_TREE:
                var subtree: OpaquePointer?
                try gitCheck(git_tree_lookup(&subtree, repo, id), operation)
                defer { git_tree_free(subtree) }
                try walk(
                    subtree!, prefix: path, prefixIsUTF8: isUTF8, depth: depth + 1, odb: odb, include: include,
                    into: &files, &state)
                continue
            case GIT_FILEMODE_BLOB_EXECUTABLE: mode = .executable
            case GIT_FILEMODE_LINK: mode = .symlink
            case GIT_FILEMODE_COMMIT: mode = .submodule
            default: mode = .regular
            }
            guard include(path) else { continue }
            guard files.count < state.limits.maxListed else {
                throw GitError(
                    code: .tooLarge, message: "the tree lists more than \(state.limits.maxListed) matching files",
                    operation: operation)
            }
            var size: Int?
            let blob = ObjectID(id)
            if let odb, mode != .submodule {
                // One header read per blob, however many paths list it.
                if let known = state.sizes[blob] {
                    size = known
                } else {
                    var length = 0
                    var type = GIT_OBJECT_ANY
                    try gitCheck(git_odb_read_header(&length, &type, odb, id), operation + ": size of \(path)")
                    size = length
                    state.sizes[blob] = length
                }
            }
            files.append(TreeFile(path: path, blob: blob, mode: mode, size: size, isUTF8: isUTF8))
        }
    }

    /// The blob (or gitlink) id of `path` in `commit`'s tree, or nil if there is no such file.
    public func blobID(at commit: ObjectID, path: String) throws -> ObjectID? {
        let operation = "find \(path) at \(commit.short)"
        let tree = try lookupTree(ofCommit: commit, operation)
        defer { git_tree_free(tree) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree, path)
        if code == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        try gitCheck(code, operation)
        // Unlike the other tree-entry getters, _bypath hands ownership to us.
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) != GIT_OBJECT_TREE else { return nil }
        return ObjectID(git_tree_entry_id(entry))
    }

    /// The contents of blob `id`.
    public func blobData(_ id: ObjectID) throws -> [UInt8] {
        var oid = id.oid
        var blob: OpaquePointer?
        try gitCheck(git_blob_lookup(&blob, repo, &oid), "read blob \(id.short)")
        defer { git_blob_free(blob) }
        // rawcontent lives only as long as the blob: copy it out.
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// The contents of many blobs in one actor hop, in the order of `ids`.
    public func blobsData(_ ids: [ObjectID]) throws -> [[UInt8]] {
        try ids.map { try blobData($0) }
    }
}
