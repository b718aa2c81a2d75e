import CGit2

/// One path that differs between two commits.
public struct PathChange: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        case added
        case modified
        case deleted
        /// Only reported when rename detection was asked for.
        case renamed
        /// E.g. a regular file became a symlink.
        case typeChanged
    }

    /// The path in the new commit (in the old one for deletions).
    public var path: String
    /// The path in the old commit, for renames.
    public var oldPath: String?
    public var status: Status
    /// Nil for additions.
    public var oldBlob: ObjectID?
    /// Nil for deletions.
    public var newBlob: ObjectID?

    public init(
        path: String, oldPath: String? = nil, status: Status, oldBlob: ObjectID? = nil, newBlob: ObjectID? = nil
    ) {
        self.path = path
        self.oldPath = oldPath
        self.status = status
        self.oldBlob = oldBlob
        self.newBlob = newBlob
    }
}

extension GitRepository {
    /// The files that differ between the trees of `old` (nil: the empty tree) and `new`.
    ///
    /// Without `detectRenames`, a rename shows as a deletion plus an addition; detecting renames reads and
    /// compares the contents of added and deleted blobs.
    public func changedPaths(
        from old: ObjectID?, to new: ObjectID, detectRenames: Bool = false
    ) throws
        -> [PathChange]
    {
        let operation = "diff \(old?.short ?? "empty tree")..\(new.short)"
        let oldTree = try old.map { try lookupTree(ofCommit: $0, operation) }
        defer { git_tree_free(oldTree) }
        let newTree = try lookupTree(ofCommit: new, operation)
        defer { git_tree_free(newTree) }

        var options = git_diff_options()
        try gitCheck(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), operation)
        options.flags |= GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
        var diff: OpaquePointer?
        try gitCheck(git_diff_tree_to_tree(&diff, repo, oldTree, newTree, &options), operation)
        defer { git_diff_free(diff) }
        if detectRenames {
            var find = git_diff_find_options()
            try gitCheck(git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION)), operation)
            find.flags = GIT_DIFF_FIND_RENAMES.rawValue
            try gitCheck(git_diff_find_similar(diff, &find), operation)
        }

        var changes: [PathChange] = []
        for index in 0..<git_diff_num_deltas(diff) {
            // Deltas belong to the diff: copy the strings before it is freed.
            let delta = git_diff_get_delta(diff, index)!.pointee
            let oldPath = String(cString: delta.old_file.path)
            let newPath = String(cString: delta.new_file.path)
            let oldBlob = ObjectID(delta.old_file.id)
            let newBlob = ObjectID(delta.new_file.id)
            switch delta.status {
            case GIT_DELTA_ADDED:
                changes.append(PathChange(path: newPath, status: .added, newBlob: newBlob))
            case GIT_DELTA_DELETED:
                changes.append(PathChange(path: oldPath, status: .deleted, oldBlob: oldBlob))
            case GIT_DELTA_RENAMED:
                changes.append(
                    PathChange(path: newPath, oldPath: oldPath, status: .renamed, oldBlob: oldBlob, newBlob: newBlob))
            case GIT_DELTA_TYPECHANGE:
                changes.append(PathChange(path: newPath, status: .typeChanged, oldBlob: oldBlob, newBlob: newBlob))
            default:
                changes.append(PathChange(path: newPath, status: .modified, oldBlob: oldBlob, newBlob: newBlob))
            }
        }
        return changes
    }
}
