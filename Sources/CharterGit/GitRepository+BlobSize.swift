import CGit2

extension GitRepository {
    /// The size of blob `id` from its object header, without inflating its contents, so a
    /// caller can refuse a huge file before reading it.
    public func blobSize(_ id: ObjectID) throws -> Int {
        var oid = id.oid
        var odb: OpaquePointer?
        try gitCheck(git_repository_odb(&odb, repo), "open object database")
        defer { git_odb_free(odb) }
        var size = 0
        var type = GIT_OBJECT_ANY
        try gitCheck(git_odb_read_header(&size, &type, odb, &oid), "read header of blob \(id.short)")
        return size
    }
}
