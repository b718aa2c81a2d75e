import CGit2

/// A three-way merge of two commits, computed in memory (no working tree, no index on disk).
public struct MergeOutcome: Sendable, Hashable {
    /// The merged tree, when the merge is clean.
    public var tree: ObjectID?
    /// The paths both sides changed in ways git cannot combine, sorted; empty when clean.
    public var conflicts: [String]
}

extension GitRepository {
    /// Merges `theirs` into `ours` the way `git merge` would (recursive merge base, no rename
    /// detection tricks beyond libgit2's defaults) and returns the merged tree or the conflicting paths.
    public func merge(ours: ObjectID, theirs: ObjectID) throws -> MergeOutcome {
        let operation = "merge \(theirs.short) into \(ours.short)"
        let ourCommit = try lookupCommit(ours, operation)
        defer { git_commit_free(ourCommit) }
        let theirCommit = try lookupCommit(theirs, operation)
        defer { git_commit_free(theirCommit) }
        var options = git_merge_options()
        try gitCheck(git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)), operation)
        var index: OpaquePointer?
        try gitCheck(git_merge_commits(&index, repo, ourCommit, theirCommit, &options), operation)
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) != 0 {
            var conflicts: Set<String> = []
            var iterator: OpaquePointer?
            try gitCheck(git_index_conflict_iterator_new(&iterator, index), operation)
            defer { git_index_conflict_iterator_free(iterator) }
            var ancestor: UnsafePointer<git_index_entry>?
            var our: UnsafePointer<git_index_entry>?
            var their: UnsafePointer<git_index_entry>?
            while git_index_conflict_next(&ancestor, &our, &their, iterator) == 0 {
                for entry in [ancestor, our, their] {
                    if let entry, let path = entry.pointee.path { conflicts.insert(String(cString: path)) }
                }
            }
            return MergeOutcome(tree: nil, conflicts: conflicts.sorted())
        }
        var tree = git_oid()
        try gitCheck(git_index_write_tree_to(&tree, index, repo), operation + ": write tree")
        return MergeOutcome(tree: ObjectID(tree), conflicts: [])
    }

    /// The best common ancestor of `a` and `b`, or nil when their histories are unrelated.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws -> ObjectID? {
        var result = git_oid()
        var one = a.oid
        var two = b.oid
        let code = git_merge_base(&result, repo, &one, &two)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try gitCheck(code, "merge base of \(a.short) and \(b.short)")
        return ObjectID(result)
    }

    /// Whether `ancestor` is `commit` or one of its ancestors.
    public func isAncestor(_ ancestor: ObjectID, of commit: ObjectID) throws -> Bool {
        if ancestor == commit { return true }
        var one = commit.oid
        var two = ancestor.oid
        let code = git_graph_descendant_of(repo, &one, &two)
        try gitCheck(code, "ancestry of \(ancestor.short) and \(commit.short)")
        return code == 1
    }

    /// Writes a commit with `tree` and `parents` (first parent first, as `git merge` records them) and
    /// returns its id; moves no reference.
    public func createCommit(
        tree: ObjectID, parents: [ObjectID], message: String, author: GitSignature, committer: GitSignature? = nil
    ) throws -> ObjectID {
        let operation = "create commit with \(parents.count) parents"
        var treeID = tree.oid
        var treeObject: OpaquePointer?
        try gitCheck(git_tree_lookup(&treeObject, repo, &treeID), operation)
        defer { git_tree_free(treeObject) }
        var parentCommits: [OpaquePointer?] = []
        defer { for p in parentCommits { git_commit_free(p) } }
        for p in parents { parentCommits.append(try lookupCommit(p, operation)) }
        let authorSignature = try makeSignature(author, operation)
        defer { git_signature_free(authorSignature) }
        let committerSignature = try makeSignature(committer ?? author, operation)
        defer { git_signature_free(committerSignature) }
        var commit = git_oid()
        try gitCheck(
            git_commit_create(
                &commit, repo, nil, authorSignature, committerSignature, nil, message, treeObject,
                parentCommits.count, &parentCommits),
            operation)
        return ObjectID(commit)
    }
}
