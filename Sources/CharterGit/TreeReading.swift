import CGit2

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

    public init(path: String, blob: ObjectID, mode: GitFileMode, size: Int? = nil) {
        self.path = path
        self.blob = blob
        self.mode = mode
        self.size = size
    }
}

extension GitRepository {
    /// Lists the files of `commit`'s tree, recursively, whose path passes `include`, in tree order.
    ///
    /// Reads no contents. With `sizes`, each blob's size comes from its object header (cheap for packed
    /// objects, an inflate of the header for loose ones).
    public func listFiles(
        at commit: ObjectID, sizes: Bool = false, where include: @Sendable (String) -> Bool = { _ in true }
    ) throws -> [TreeFile] {
        let operation = "list files at \(commit.short)"
        let tree = try lookupTree(ofCommit: commit, operation)
        defer { git_tree_free(tree) }
        var odb: OpaquePointer?
        if sizes { try gitCheck(git_repository_odb(&odb, repo), operation) }
        defer { git_odb_free(odb) }
        var files: [TreeFile] = []
        try walk(tree, prefix: "", odb: odb, include: include, into: &files, operation: operation)
        return files
    }

    private func walk(
        _ tree: OpaquePointer, prefix: String, odb: OpaquePointer?, include: (String) -> Bool,
        into files: inout [TreeFile], operation: String
    ) throws {
        for index in 0..<git_tree_entrycount(tree) {
            // Entries from _byindex belong to the tree: copy what we need before it is freed.
            let entry = git_tree_entry_byindex(tree, index)
            let name = String(cString: git_tree_entry_name(entry))
            let path = prefix.isEmpty ? name : prefix + "/" + name
            let id = git_tree_entry_id(entry)!
            let fileMode = git_tree_entry_filemode(entry)
            let mode: GitFileMode
            switch fileMode {
            case GIT_FILEMODE_TREE:
                var subtree: OpaquePointer?
                try gitCheck(git_tree_lookup(&subtree, repo, id), operation)
                defer { git_tree_free(subtree) }
                try walk(subtree!, prefix: path, odb: odb, include: include, into: &files, operation: operation)
                continue
            case GIT_FILEMODE_BLOB_EXECUTABLE: mode = .executable
            case GIT_FILEMODE_LINK: mode = .symlink
            case GIT_FILEMODE_COMMIT: mode = .submodule
            default: mode = .regular
            }
            guard include(path) else { continue }
            var size: Int?
            if let odb, mode != .submodule {
                var length = 0
                var type = GIT_OBJECT_ANY
                try gitCheck(git_odb_read_header(&length, &type, odb, id), operation + ": size of \(path)")
                size = length
            }
            files.append(TreeFile(path: path, blob: ObjectID(id), mode: mode, size: size))
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
