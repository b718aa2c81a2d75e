import CharterFoundation
import CharterGit
import CharterModel
import Crypto
import Foundation

/// Where a revision of the organization comes from, as the CLI's `[PATH|URL] [--rev REV]` names it.
public struct SourceRequest: Sendable {
    /// A local path or a git URL; nil means the current directory.
    public var location: String?
    /// A revision (branch, tag, commit); nil means the working tree for a local clone and the
    /// default branch for a URL.
    public var revision: String?
    /// Whether a working tree with uncommitted changes may be used (plan, validate); apply needs a commit.
    public var allowWorkingTree: Bool
    /// Credentials for remote repositories.
    public var auth: GitAuth

    public init(location: String?, revision: String?, allowWorkingTree: Bool = true, auth: GitAuth = .none) {
        self.location = location
        self.revision = revision
        self.allowWorkingTree = allowWorkingTree
        self.auth = auth
    }

    /// Whether `location` names a remote repository rather than a local path.
    public static func isRemote(_ location: String) -> Bool {
        if location.contains("://") { return true }
        // scp-like `user@host:path`, as git accepts it, when no such local path exists.
        if let colon = location.firstIndex(of: ":"), location[..<colon].contains("@"),
            !location[..<colon].contains("/"), !FileManager.default.fileExists(atPath: location)
        {
            return true
        }
        return false
    }
}

/// The files of one revision, and what they are.
public struct ResolvedSource: Sendable {
    /// How people should read where this came from, such as `example-repo (working tree)`.
    public var description: String
    /// The commit id, when the files come from a commit (or a working tree's HEAD).
    public var revision: String?
    /// Whether the files come from a working tree, so they may include uncommitted changes.
    public var isWorkingTree: Bool
    /// Whether the files are exactly the commit `revision`.
    public var isCommit: Bool
    public var files: [SourceFile]
}

/// A source could not be read.
public struct SourceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Resolves a ``SourceRequest`` to files, reading commits straight from the object database.
public enum RevisionSource {
    /// Reads the revision `request` names. Remote URLs are mirrored into `dataDirectory/mirrors`.
    public static func resolve(_ request: SourceRequest, dataDirectory: URL) async throws -> ResolvedSource {
        try await open(request, dataDirectory: dataDirectory).source
    }

    /// Like ``resolve(_:dataDirectory:)``, also returning the repository the files came from (the
    /// local repository, or the mirror of a URL), or nil for a plain directory.
    public static func open(
        _ request: SourceRequest, dataDirectory: URL
    ) async throws -> (repository: GitRepository?, source: ResolvedSource) {
        let location = request.location ?? RepositoryRoot.find(from: FileManager.default.currentDirectoryPath) ?? "."
        if SourceRequest.isRemote(location) {
            return try await remote(location, request: request, dataDirectory: dataDirectory)
        }
        let url = URL(fileURLWithPath: location).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SourceError(
                "\(location): no such directory; give the path of an organization repository or a git URL")
        }
        let repository: GitRepository
        do {
            repository = try await GitRepository.open(at: url)
        } catch let error as GitError where error.code == .notFound {
            guard request.revision == nil else {
                throw SourceError(
                    "\(location) is not a git repository, so --rev cannot be used; drop --rev to read its files")
            }
            guard request.allowWorkingTree else {
                throw SourceError(
                    "\(location) is not a git repository; commit the organization to git first, so the apply records which commit it was"
                )
            }
            let files = try DirectoryReader.files(root: url, where: { ConfigPaths.isConfigFile($0) })
            return (
                nil,
                ResolvedSource(
                    description: location, revision: nil, isWorkingTree: true, isCommit: false,
                    files: files.map(sourceFile))
            )
        }
        if request.revision == nil, request.allowWorkingTree, await !repository.isBare {
            let files = try await repository.workingTreeFiles(where: { ConfigPaths.isConfigFile($0) })
            let head = try? await repository.resolve("HEAD")
            return (
                repository,
                ResolvedSource(
                    description: "\(location) (working tree)", revision: head?.hex, isWorkingTree: true,
                    isCommit: false, files: files.map(sourceFile))
            )
        }
        let rev = request.revision ?? "HEAD"
        let commit = try await repository.resolve(rev)
        return (
            repository,
            ResolvedSource(
                description: location, revision: commit.hex, isWorkingTree: false, isCommit: true,
                files: try await files(of: repository, at: commit))
        )
    }

    static func remote(
        _ url: String, request: SourceRequest, dataDirectory: URL
    ) async throws -> (repository: GitRepository?, source: ResolvedSource) {
        let digest = SHA256.hash(data: Array(url.utf8))
        let key = digest.prefix(8).map { String(format: "%02x", $0) }.joined()
        let mirrors = dataDirectory.appendingPathComponent("mirrors")
        let mirror = mirrors.appendingPathComponent("\(key).git")
        let shown = GitError.redact(url)
        try FileManager.default.createDirectory(at: mirrors, withIntermediateDirectories: true)
        // One fetch per mirror at a time: concurrent `charter` runs would collide on ref locks.
        let lock: FileLock
        do {
            lock = try FileLock.acquire(mirrors.appendingPathComponent("\(key).lock").path, holder: "reads the mirror")
        } catch {
            throw SourceError("\(error); check --data-dir")
        }
        defer { lock.release() }
        let existed = FileManager.default.fileExists(atPath: mirror.path)
        let repository: GitRepository
        do {
            repository = try await GitRepository.openOrCreateBare(at: mirror)
            // Prune, so a branch deleted upstream is not planned from a stale tip; tags, so --rev v1 works.
            try await repository.fetch(
                from: url, refspecs: ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"], auth: request.auth,
                prune: true)
        } catch {
            // A failed first fetch leaves no empty mirror behind.
            if !existed { try? FileManager.default.removeItem(at: mirror) }
            throw error
        }
        let rev: String
        if let r = request.revision {
            rev = r
        } else {
            let branches = Set(try await repository.branches().map(\.reference))
            if branches.contains("refs/heads/main") {
                rev = "refs/heads/main"
            } else if branches.contains("refs/heads/master") {
                rev = "refs/heads/master"
            } else if branches.count == 1, let only = branches.first {
                rev = only
            } else if branches.isEmpty {
                throw SourceError("\(shown) has no branches")
            } else {
                // Guessing among several branches could plan or bootstrap an unreviewed one.
                let names = branches.map { $0.replacingOccurrences(of: "refs/heads/", with: "") }.sorted()
                throw SourceError(
                    "\(shown) has no main or master branch; pass --rev with one of: \(names.joined(separator: ", "))")
            }
        }
        let commit: ObjectID
        do {
            commit = try await repository.resolve(rev)
        } catch let error as GitError where error.code == .notFound || error.code == .invalidSpec {
            throw SourceError(
                "revision '\(rev)' not found in \(shown); give a branch, tag or commit of that repository")
        }
        return (
            repository,
            ResolvedSource(
                description: shown, revision: commit.hex, isWorkingTree: false, isCommit: true,
                files: try await files(of: repository, at: commit))
        )
    }

    /// The configuration files of `commit`, read from the object database in one hop. Blobs whose
    /// parse `cache` already holds are not read at all (their contents are `.cached`).
    ///
    /// - Throws: ``RevisionTooLarge`` before reading any blob when the tree is too large or deep to
    ///   list, or holds more configuration files or bytes than ``RevisionLimits`` allow.
    public static func files(
        of repository: GitRepository, at commit: ObjectID, cache: LoaderCache? = nil
    ) async throws -> [SourceFile] {
        let listed = try await checkedEntries(of: repository, at: commit)
        let toRead: [Int] = listed.indices.filter { i in
            !(cache?.contains(path: listed[i].path, cacheKey: listed[i].blob.hex) ?? false)
        }
        // Inflating blobs is the cost of a cold read: split it across a second handle on the same
        // repository (libgit2 objects are per-handle, and each actor runs on its own queue).
        guard toRead.count >= 256 else {
            return try await repository.configFiles(listed, reading: Set(toRead))
        }
        let second = try await GitRepository.open(at: repository.url)
        let middle = toRead.count / 2
        let firstHalf = Set(toRead[0..<middle])
        let secondHalf = Set(toRead[middle..<toRead.count])
        async let secondPart = second.configFiles(listed, reading: secondHalf)
        let firstPart = try await repository.configFiles(listed, reading: firstHalf)
        let other = try await secondPart
        // Each entry was produced by exactly one side; merge in listing order.
        return zip(firstPart, other).map { a, b in
            if case .cached = a.contents { return b }
            return a
        }
    }

    /// The configuration files of `commit` with their sizes, read from tree entries and object
    /// headers only.
    ///
    /// - Throws: ``RevisionTooLarge`` when the tree is too large or deep to list, or holds more
    ///   configuration files or bytes than ``RevisionLimits`` allow. A branch's tip is checked
    ///   this way before it is merged, since a merge walks every entry of a tree it adds.
    public static func checkedEntries(of repository: GitRepository, at commit: ObjectID) async throws -> [TreeFile] {
        let listed: [TreeFile]
        do {
            listed = try await repository.configEntries(at: commit)
        } catch let error as GitError where error.code == .tooLarge {
            throw RevisionTooLarge(error.message)
        }
        // Sizes come from object headers: a revision is refused before its blobs are inflated.
        let bytes = listed.reduce(0) { $0 + min($1.size ?? 0, SourceLimits.maxBytes + 1) }
        if let problem = RevisionLimits.default.problem(fileCount: listed.count, bytes: bytes) {
            throw RevisionTooLarge(problem)
        }
        return listed
    }

    /// The configuration files that differ between two commits: new contents of added and
    /// modified files, and the paths that are gone. Feeds ``IncrementalLoader/update(changed:removed:)``.
    public static func changes(
        of repository: GitRepository, from old: ObjectID, to new: ObjectID
    ) async throws -> (changed: [SourceFile], removed: [String]) {
        try await repository.configChanges(from: old, to: new)
    }

    static func sourceFile(_ f: WorkingFile) -> SourceFile {
        switch f.kind {
        case .regular, .symlink:
            return SourceFile(path: f.path, contents: .bytes(f.bytes ?? []))
        case .symlinkOutside:
            return SourceFile(
                path: f.path,
                contents: .refused(
                    "symlink points outside the repository; Charter never follows it (replace it with the file itself)")
            )
        case .danglingSymlink:
            return SourceFile(path: f.path, contents: .refused("symlink points to a file that does not exist"))
        case .tooLarge(let size):
            return SourceFile(path: f.path, contents: .refused(SourceLimits.tooLarge(size)))
        case .notUTF8:
            return SourceFile(path: f.path, contents: .refused(SourceLimits.notUTF8))
        }
    }
}

extension GitRepository {
    func configChanges(from old: ObjectID, to new: ObjectID) throws -> (changed: [SourceFile], removed: [String]) {
        var changed: [SourceFile] = []
        var removed: [String] = []
        for c in try changedPaths(from: old, to: new) {
            if let oldPath = c.oldPath, oldPath != c.path, ConfigPaths.isConfigFile(oldPath) { removed.append(oldPath) }
            guard ConfigPaths.isConfigFile(c.path) else { continue }
            guard let blob = c.newBlob else {
                removed.append(c.path)
                continue
            }
            changed.append(try configFile(path: c.path, blob: blob, mode: nil))
        }
        return (changed, removed)
    }

    /// One configuration file's contents, refused when too large (`size` when already known) or
    /// when its path is not UTF-8 (`isUTF8` false: `path` is then the escaped form).
    func configFile(
        path: String, blob: ObjectID, mode: GitFileMode?, size known: Int? = nil, isUTF8: Bool = true
    ) throws -> SourceFile {
        if !isUTF8 { return SourceFile(path: path, contents: .refused(SourceLimits.notUTF8)) }
        if mode == .symlink {
            return SourceFile(
                path: path, contents: .refused("symlinks are not followed in a commit; replace it with the file itself")
            )
        }
        let size = try known ?? blobSize(blob)
        if size > SourceLimits.maxBytes {
            return SourceFile(path: path, contents: .refused(SourceLimits.tooLarge(size)))
        }
        return SourceFile(path: path, contents: .bytes(try blobData(blob)), cacheKey: blob.hex)
    }

    /// The configuration files of a commit's tree with their sizes, without contents; submodules
    /// are skipped.
    func configEntries(at commit: ObjectID) throws -> [TreeFile] {
        let limits = TreeLimits(maxListed: RevisionLimits.default.maxFiles)
        return try listFiles(at: commit, sizes: true, limits: limits, where: { ConfigPaths.isConfigFile($0) }).filter {
            $0.mode != .submodule
        }
    }

    /// One source file per entry, in order: the entries at `reading` are read (symlinks in a commit
    /// are never followed), the others are `.cached`.
    func configFiles(_ entries: [TreeFile], reading: Set<Int>) throws -> [SourceFile] {
        var out: [SourceFile] = []
        out.reserveCapacity(entries.count)
        for (i, f) in entries.enumerated() {
            if reading.contains(i) {
                out.append(try configFile(path: f.path, blob: f.blob, mode: f.mode, size: f.size, isUTF8: f.isUTF8))
            } else {
                out.append(SourceFile(path: f.path, contents: .cached, cacheKey: f.blob.hex))
            }
        }
        return out
    }
}

/// A revision refused as a whole before its files are read: a tree too large or too deep to
/// list, or more configuration files or bytes than ``RevisionLimits`` allow.
public struct RevisionTooLarge: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The size limit of configuration files, applied before they are read.
enum SourceLimits {
    static let maxBytes = 1_048_576

    /// Why a file whose name is not UTF-8 is refused: every name Charter reports, diffs and stores
    /// is text, and such a name cannot be told apart from another that differs in its invalid bytes.
    static let notUTF8 = "the file name is not valid UTF-8 (invalid bytes shown as \\xNN); rename the file"

    static func tooLarge(_ size: Int) -> String {
        "file is \(size) bytes; the limit is \(maxBytes) bytes (1 MiB) — split it into several files"
    }
}
