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
    /// disappear. `committer` defaults to `author`. Only the trees on the way to a changed path are
    /// rewritten: every other entry of `parent` is kept exactly as it is, even one whose name git refuses
    /// (`..`, `.git`), so an entry someone else crafted can never make a write fail.
    public func createCommit(
        parent: ObjectID?, changes: [String: FileUpdate], message: String, author: GitSignature,
        committer: GitSignature? = nil
    ) throws -> ObjectID {
        let operation = "create commit on \(parent?.short ?? "no parent")"
        for path in changes.keys where !Self.isSafeTreePath(path) {
            throw GitError(code: .invalidArgument, message: "invalid path '\(path)'", operation: operation)
        }
        let parentCommit = try parent.map { try lookupCommit($0, operation) }
        defer { git_commit_free(parentCommit) }
        var base: OpaquePointer?
        if let parentCommit { try gitCheck(git_commit_tree(&base, parentCommit), operation) }
        defer { git_tree_free(base) }

        var updates: [TreeUpdate] = []
        for (path, update) in changes.sorted(by: { $0.key < $1.key }) {
            let components = path.split(separator: "/").map(String.init)
            switch update {
            case .delete: updates.append(TreeUpdate(components: components[...], blob: nil))
            case .write(let bytes), .writeExecutable(let bytes):
                var blob = git_oid()
                try gitCheck(
                    git_blob_create_from_buffer(&blob, repo, bytes, bytes.count), operation + ": write \(path)")
                updates.append(TreeUpdate(components: components[...], blob: (blob, Self.fileMode(of: update))))
            }
        }
        var tree = try writeTree(base, updates, operation).id
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

    private static func fileMode(of update: FileUpdate) -> git_filemode_t {
        if case .writeExecutable = update { return GIT_FILEMODE_BLOB_EXECUTABLE }
        return GIT_FILEMODE_BLOB
    }

    /// Writes `base` (nil: an empty tree) with `updates` applied, their paths relative to it, and returns
    /// the new tree's id and whether it is empty.
    ///
    /// A tree builder starts from `base`'s entries as stored (it checks the names of inserted entries
    /// only), which is what keeps foreign entries untouched; an index would refuse to load them.
    private func writeTree(
        _ base: OpaquePointer?, _ updates: [TreeUpdate], _ operation: String
    ) throws -> (id: git_oid, isEmpty: Bool) {
        var builder: OpaquePointer?
        try gitCheck(git_treebuilder_new(&builder, repo, base), operation)
        defer { git_treebuilder_free(builder) }
        var below: [String: [TreeUpdate]] = [:]
        for update in updates {
            let name = update.components.first!
            guard update.components.count == 1 else {
                below[name, default: []].append(
                    TreeUpdate(components: update.components.dropFirst(), blob: update.blob))
                continue
            }
            if case (var blob, let mode)? = update.blob {
                try gitCheck(git_treebuilder_insert(nil, builder, name, &blob, mode), operation + ": add \(name)")
            } else if git_treebuilder_get(builder, name) != nil {
                try gitCheck(git_treebuilder_remove(builder, name), operation + ": remove \(name)")
            }
        }
        for (name, updates) in below.sorted(by: { $0.key < $1.key }) {
            var subtree: OpaquePointer?
            let existing = git_treebuilder_get(builder, name)
            let isTree = existing.map { git_tree_entry_type($0) == GIT_OBJECT_TREE } ?? false
            if let existing, isTree {
                try gitCheck(git_tree_lookup(&subtree, repo, git_tree_entry_id(existing)), operation)
            }
            defer { git_tree_free(subtree) }
            var (id, isEmpty) = try writeTree(subtree, updates, operation)
            if !isEmpty {
                try gitCheck(
                    git_treebuilder_insert(nil, builder, name, &id, GIT_FILEMODE_TREE), operation + ": add \(name)/")
            } else if isTree {
                try gitCheck(git_treebuilder_remove(builder, name), operation + ": remove \(name)/")
            }
        }
        var id = git_oid()
        try gitCheck(git_treebuilder_write(&id, builder), operation + ": write tree")
        return (id, git_treebuilder_entrycount(builder) == 0)
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

/// One change below a tree: the path's components from there, and the blob and mode to write (nil:
/// remove the entry).
private struct TreeUpdate {
    var components: ArraySlice<String>
    var blob: (git_oid, git_filemode_t)?
}
