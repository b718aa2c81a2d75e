import CGit2
import Dispatch
import Foundation

/// One git repository, opened through libgit2.
///
/// Every call runs on the actor's own serial queue (see `GitExecutor`): libgit2 blocks, and its error
/// messages are thread-local, so each call and the read of its error happen together on that thread.
/// The libgit2 handle never leaves the actor; only values (ids, bytes, change lists) do.
public actor GitRepository {
    private let executor: GitExecutor
    private var handle: RepositoryHandle?

    /// The path the repository was opened at.
    public nonisolated let url: URL

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(url: URL) {
        GitRuntime.ensure()
        self.url = url.standardizedFileURL
        self.executor = GitExecutor(label: "charter.git \(url.path)")
    }

    /// Opens an existing repository, bare or not, at exactly `url` (no discovery upwards).
    public static func open(at url: URL) async throws -> GitRepository {
        let repository = GitRepository(url: url)
        try await repository.load(createBare: false)
        return repository
    }

    /// Opens the bare repository at `url`, creating it (and missing parent directories) first if needed.
    public static func openOrCreateBare(at url: URL) async throws -> GitRepository {
        let repository = GitRepository(url: url)
        try await repository.load(createBare: true)
        return repository
    }

    private func load(createBare: Bool) throws {
        let path = url.path
        var opened: OpaquePointer?
        let flags = GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
        var code = git_repository_open_ext(&opened, path, flags, nil)
        if code == GIT_ENOTFOUND.rawValue && createBare {
            git_error_clear()
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            code = git_repository_init(&opened, path, 1)
            try gitCheck(code, "create bare repository at \(path)")
        }
        try gitCheck(code, "open repository at \(path)")
        handle = RepositoryHandle(opened!)
        // Mirrors force-update refs/heads/*: never do that under a checked-out work tree.
        if createBare && git_repository_is_bare(opened) == 0 {
            throw GitError(
                code: .invalidArgument, message: "repository has a working tree, a bare mirror was expected",
                operation: "open bare repository at \(path)")
        }
    }

    /// The open libgit2 repository; only valid on the actor's queue.
    var repo: OpaquePointer {
        #if DEBUG
            dispatchPrecondition(condition: .onQueue(executor.queue))
        #endif
        return handle!.pointer
    }

    /// Whether the repository has no working tree.
    public var isBare: Bool { git_repository_is_bare(repo) != 0 }

    /// The working tree's root, or nil for a bare repository.
    public var workdir: URL? {
        guard let path = git_repository_workdir(repo) else { return nil }
        return URL(fileURLWithPath: String(cString: path), isDirectory: true)
    }

    /// Resolves any revision (`main`, `HEAD~2`, a short id, `refs/remotes/origin/main`, a tag) to the
    /// commit it names, peeling tags.
    public func resolve(_ rev: String) throws -> ObjectID {
        let operation = "resolve '\(rev)'"
        var object: OpaquePointer?
        let code = git_revparse_single(&object, repo, rev)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue {
            throw GitError.fromLastError(
                code: code, operation: operation, override: "revision '\(rev)' not found in \(url.path)")
        }
        try gitCheck(code, operation)
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        let peeled = git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
        try gitCheck(peeled, operation + " to a commit")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit))
    }

    /// The commit at the tip of local branch `name` (short name, e.g. `main`), or nil if there is none.
    public func headCommitOfBranch(_ name: String) throws -> ObjectID? {
        let refName = name.hasPrefix("refs/") ? name : "refs/heads/" + name
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, repo, refName)
        if code == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        try gitCheck(code, "read branch \(refName)")
        return try resolve(ObjectID(oid).hex)
    }

    /// Local branches (`refs/heads/…`, nested names included), sorted by name.
    public func branches() throws -> [GitBranch] {
        let operation = "list branches"
        var iterator: OpaquePointer?
        try gitCheck(git_reference_iterator_glob_new(&iterator, repo, "refs/heads/*"), operation)
        defer { git_reference_iterator_free(iterator) }
        var result: [GitBranch] = []
        while true {
            var reference: OpaquePointer?
            let code = git_reference_next(&reference, iterator)
            if code == GIT_ITEROVER.rawValue { break }
            try gitCheck(code, operation)
            defer { git_reference_free(reference) }
            var resolved: OpaquePointer?
            try gitCheck(git_reference_resolve(&resolved, reference), operation)
            defer { git_reference_free(resolved) }
            guard let target = git_reference_target(resolved) else { continue }
            let name = String(cString: git_reference_name(reference))
            result.append(GitBranch(reference: name, target: ObjectID(target)))
        }
        return result.sorted { $0.reference < $1.reference }
    }

    /// Points reference `name` (full name, e.g. `refs/heads/main`) at `new`, but only if it currently
    /// points at `expected`; with `expected == nil` only if it does not exist yet.
    ///
    /// Throws `GitError.Code.modified` when the reference moved, `.exists` when it unexpectedly exists.
    ///
    /// A lock file a killed process left behind (`refs/heads/…/NAME.lock`, `packed-refs.lock`) would
    /// make every later update fail with "failed to lock file" until a human removed it. One older
    /// than ``staleLockAge`` is taken for stale — a live update holds it for milliseconds — removed,
    /// and the update tried once more.
    public func updateRef(_ name: String, to new: ObjectID, expected: ObjectID?, message: String = "charter") throws {
        do {
            try createRef(name, to: new, expected: expected, message: message)
        } catch let error as GitError where error.code == .locked && removeStaleLocks(of: name) {
            try createRef(name, to: new, expected: expected, message: message)
        }
    }

    /// How old a reference lock file must be before an update takes it for a crash's leftover.
    public static let staleLockAge: TimeInterval = 30

    private func createRef(_ name: String, to new: ObjectID, expected: ObjectID?, message: String) throws {
        let operation = "update \(name) to \(new.short)" + (expected.map { " from \($0.short)" } ?? " (create)")
        var newOID = new.oid
        var reference: OpaquePointer?
        if let expected {
            var oldOID = expected.oid
            try gitCheck(git_reference_create_matching(&reference, repo, name, &newOID, 1, &oldOID, message), operation)
        } else {
            try gitCheck(git_reference_create(&reference, repo, name, &newOID, 0, message), operation)
        }
        git_reference_free(reference)
    }

    /// Removes the lock files of reference `name` older than ``staleLockAge``; whether it removed any.
    private func removeStaleLocks(of name: String) -> Bool {
        guard let gitDirectory = git_repository_path(repo), !name.contains("..") else { return false }
        let base = String(cString: gitDirectory)
        var removed = false
        for lock in [base + name + ".lock", base + "packed-refs.lock"] {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: lock),
                let modified = attributes[.modificationDate] as? Date,
                Date().timeIntervalSince(modified) > Self.staleLockAge
            else { continue }
            if (try? FileManager.default.removeItem(atPath: lock)) != nil { removed = true }
        }
        return removed
    }

    /// Makes HEAD a symbolic reference to `reference`, which need not exist yet.
    public func setHead(_ reference: String) throws {
        try gitCheck(git_repository_set_head(repo, reference), "set HEAD to \(reference)")
    }

    /// Looks up a commit; the caller frees it with `git_commit_free`.
    func lookupCommit(_ id: ObjectID, _ operation: @autoclosure () -> String) throws -> OpaquePointer {
        var oid = id.oid
        var commit: OpaquePointer?
        try gitCheck(git_commit_lookup(&commit, repo, &oid), operation())
        return commit!
    }

    /// Looks up a commit's tree; the caller frees it with `git_tree_free`.
    func lookupTree(ofCommit id: ObjectID, _ operation: @autoclosure () -> String) throws -> OpaquePointer {
        let commit = try lookupCommit(id, operation())
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        try gitCheck(git_commit_tree(&tree, commit), operation())
        return tree!
    }
}

/// Owns the `git_repository`; a class so the actor's deinit needs not touch the non-Sendable pointer.
private final class RepositoryHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_repository_free(pointer) }
}

/// A local branch and the commit it points at.
public struct GitBranch: Hashable, Sendable {
    /// Full reference name, e.g. `refs/heads/proposals/x`.
    public var reference: String
    /// What the branch points at.
    public var target: ObjectID
    /// The name without `refs/heads/`, e.g. `proposals/x`.
    public var name: String { String(reference.dropFirst("refs/heads/".count)) }
}
