import CGit2
import Foundation

extension GitRepository {
    /// Fetches `refspecs` (e.g. `+refs/heads/main:refs/remotes/origin/main`) from `url` — a local path,
    /// `file://`, `ssh://` or scp-like `user@host:path`, `https://`, or `git://` — without tags.
    ///
    /// Uses an anonymous in-memory remote, so the repository's configuration is never written. Every fetch
    /// is complete: libgit2 1.5 has no shallow fetch. libgit2 1.5 has no network timeout either: a stalled
    /// server blocks this repository's queue.
    /// With `prune`, local refs matched by a refspec's destination that the remote no longer has are
    /// deleted, so a mirror never keeps a deleted or renamed branch.
    public func fetch(from url: String, refspecs: [String], auth: GitAuth = .none, prune: Bool = false) throws {
        let operation = "fetch \(Self.describe(refspecs)) from \(url)"
        var remote: OpaquePointer?
        try gitCheck(git_remote_create_anonymous(&remote, repo, url), operation)
        defer { git_remote_free(remote) }
        var options = git_fetch_options()
        try gitCheck(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), operation)
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        options.update_fetchhead = 0
        options.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE
        try RemoteSession(url: url, auth: auth).run(operation: operation) { callbacks in
            options.callbacks = callbacks
            return withStrArray(refspecs) { git_remote_fetch(remote, &$0, &options, "charter: fetch") }
        }
    }

    /// Opens (or creates) a bare repository at `directory` and fetches `branches` from `url` into
    /// branches of the same names, forcing them to the remote's tips. HEAD points at the first branch.
    public static func mirror(
        url: String, into directory: URL, branches: [String], auth: GitAuth = .none
    ) async throws -> GitRepository {
        let repository = try await openOrCreateBare(at: directory)
        try await repository.updateMirror(from: url, branches: branches, auth: auth)
        return repository
    }

    /// Fetches `branches` from `url` into branches of the same names (see `mirror`).
    public func updateMirror(from url: String, branches: [String], auth: GitAuth = .none) throws {
        let refspecs = branches.map { "+refs/heads/\($0):refs/heads/\($0)" }
        try fetch(from: url, refspecs: refspecs, auth: auth)
        if let first = branches.first { try setHead("refs/heads/" + first) }
    }

    /// "refs/heads/main refs/heads/dev" from the refspecs' source sides, for operation names.
    static func describe(_ refspecs: [String]) -> String {
        refspecs.map { spec in
            let source = spec.hasPrefix("+") ? spec.dropFirst() : Substring(spec)
            return String(source.prefix { $0 != ":" })
        }.joined(separator: " ")
    }
}
