import CGit2

/// What `createCommit` does to one path.
public enum FileUpdate: Hashable, Sendable {
    /// Creates or replaces a regular file.
    case write([UInt8])
    /// Creates or replaces an executable file.
    case writeExecutable([UInt8])
    /// Removes the file; removing an absent file is not an error.
    case delete
}

extension GitRepository {
    /// Writes a commit whose tree is `parent`'s tree (empty if nil) with `changes` applied, without a
    /// working tree, and returns its id. Moves no reference: follow with `updateRef`.
    ///
    /// Paths are repository-relative and `/`-separated; missing directories are created and emptied ones
    /// disappear. `committer` defaults to `author`.
    public func createCommit(
        parent: ObjectID?, changes: [String: FileUpdate], message: String, author: GitSignature,
        committer: GitSignature? = nil
    ) throws -> ObjectID {
        let operation = "create commit on \(parent?.short ?? "no parent")"
        for path in changes.keys where !Self.isSafeTreePath(path) {
            throw GitError(code: .invalidArgument, message: "invalid path '\(path)'", operation: operation)
        }
        // An in-memory index is the simplest tree builder that handles nested paths.
        var index: OpaquePointer?
        try gitCheck(git_index_new(&index), operation)
        defer { git_index_free(index) }
        let parentCommit = try parent.map { try lookupCommit($0, operation) }
        defer { git_commit_free(parentCommit) }
        if let parentCommit {
            var tree: OpaquePointer?
            try gitCheck(git_commit_tree(&tree, parentCommit), operation)
            defer { git_tree_free(tree) }
            try gitCheck(git_index_read_tree(index, tree), operation)
        }
        for (path, update) in changes.sorted(by: { $0.key < $1.key }) {
            let bytes: [UInt8]
            let mode: git_filemode_t
            switch update {
            case .delete:
                let code = git_index_remove_bypath(index, path)
                try gitCheck(code, operation + ": remove \(path)")
                continue
            case .write(let data): (bytes, mode) = (data, GIT_FILEMODE_BLOB)
            case .writeExecutable(let data): (bytes, mode) = (data, GIT_FILEMODE_BLOB_EXECUTABLE)
            }
            // git_index_add_from_buffer refuses an index without a repository: write the blob first.
            var blob = git_oid()
            try gitCheck(git_blob_create_from_buffer(&blob, repo, bytes, bytes.count), operation + ": write \(path)")
            try path.withCString { cPath in
                var entry = git_index_entry()
                entry.mode = mode.rawValue
                entry.id = blob
                entry.file_size = UInt32(truncatingIfNeeded: bytes.count)
                entry.path = cPath
                try gitCheck(git_index_add(index, &entry), operation + ": add \(path)")
            }
        }
        var tree = git_oid()
        try gitCheck(git_index_write_tree_to(&tree, index, repo), operation + ": write tree")
        var treeObject: OpaquePointer?
        try gitCheck(git_tree_lookup(&treeObject, repo, &tree), operation)
        defer { git_tree_free(treeObject) }

        let authorSignature = try makeSignature(author, operation)
        defer { git_signature_free(authorSignature) }
        let committerSignature = try makeSignature(committer ?? author, operation)
        defer { git_signature_free(committerSignature) }
        var commit = git_oid()
        var parents: [OpaquePointer?] = parentCommit.map { [$0] } ?? []
        try gitCheck(
            git_commit_create(
                &commit, repo, nil, authorSignature, committerSignature, nil, message, treeObject, parents.count,
                &parents),
            operation)
        return ObjectID(commit)
    }

    func makeSignature(
        _ signature: GitSignature, _ operation: String
    ) throws
        -> UnsafeMutablePointer<git_signature>
    {
        var result: UnsafeMutablePointer<git_signature>?
        let seconds = git_time_t(signature.date.timeIntervalSince1970.rounded(.down))
        try gitCheck(
            git_signature_new(
                &result, signature.name, signature.email, seconds, Int32(signature.timeZoneOffsetMinutes)),
            operation + ": signature of \(signature.name)")
        return result!
    }

    /// Refuses paths that git would reject or that could escape a checkout.
    static func isSafeTreePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasSuffix("/"), !path.contains("\0"), !path.contains("\\")
        else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { component in
            !component.isEmpty && component != "." && component != ".." && component.lowercased() != ".git"
        }
    }
}
