import CGit2

extension GitRepository {
    /// Pushes `refspecs` (e.g. `refs/heads/charter/status:refs/heads/charter/status`) to `url`.
    ///
    /// Throws `.nonFastForward` when libgit2 sees before uploading that a ref would not fast-forward, and
    /// `.pushRejected` when the remote refused any ref: libgit2 returns success in that case and reports it
    /// only through per-ref statuses, which this collects. Over `file://` libgit2 updates refs without
    /// compare-and-swap, so races are only detected over `git://`, ssh and https.
    public func push(to url: String, refspecs: [String], auth: GitAuth = .none) throws {
        let operation = "push \(Self.describe(refspecs)) to \(url)"
        var remote: OpaquePointer?
        try gitCheck(git_remote_create_anonymous(&remote, repo, url), operation)
        defer { git_remote_free(remote) }
        var options = git_push_options()
        try gitCheck(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), operation)
        let session = RemoteSession(url: url, auth: auth)
        try session.run(operation: operation) { callbacks in
            options.callbacks = callbacks
            return withStrArray(refspecs) { git_remote_push(remote, &$0, &options) }
        }
        let rejected = session.rejectedReferences
        guard rejected.isEmpty else {
            let details = rejected.map { "\($0.reference): \($0.status)" }.joined(separator: "; ")
            throw GitError(code: .pushRejected, message: "remote rejected \(details)", operation: operation)
        }
    }
}
