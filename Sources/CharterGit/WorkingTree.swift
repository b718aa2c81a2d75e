import CGit2
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file on disk, read for validation or planning of uncommitted work.
public struct WorkingFile: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A regular file; `bytes` holds its contents.
        case regular
        /// A symlink to a regular file inside the tree; `bytes` holds the target's contents.
        case symlink
        /// A symlink whose target is outside the tree (or inside `.git`); never read, `bytes` is nil.
        case symlinkOutside
        /// A symlink whose target does not exist; `bytes` is nil.
        case danglingSymlink
        /// A file larger than ``WorkingFile/maxBytes``; never read, its size is given.
        case tooLarge(Int)
    }

    /// Files above this size are reported as `.tooLarge` instead of read: configuration files are
    /// small, and a huge one must not be loaded into memory just to be refused.
    public static let maxBytes = 1_048_576

    /// Relative to the root, `/`-separated.
    public var path: String
    public var kind: Kind
    public var bytes: [UInt8]?

    public init(path: String, kind: Kind, bytes: [UInt8]?) {
        self.path = path
        self.kind = kind
        self.bytes = bytes
    }
}

/// Reads the files of a plain directory that need not be a git repository.
public enum DirectoryReader {
    /// The files under `root` whose relative path passes `include`, sorted by path.
    ///
    /// `.git` entries are skipped at every level. Symlinks are resolved: a target inside `root` is read, one
    /// outside is reported as `.symlinkOutside` and never opened. Symlinks to directories are not followed
    /// (their files are reached through the real directory, and loops are impossible).
    public static func files(root: URL, where include: (String) -> Bool = { _ in true }) throws -> [WorkingFile] {
        try walk(root: root, include: include, skip: { _, _ in false })
    }

    /// Walks `root`; `skip(relativePath, isDirectory)` prunes entries before `include` sees them.
    static func walk(
        root: URL, include: (String) -> Bool, skip: (String, Bool) -> Bool
    ) throws -> [WorkingFile] {
        let rootReal = try realPath(root.path, operation: "read directory \(root.path)")
        var files: [WorkingFile] = []
        var pending = [""]
        while let relativeDirectory = pending.popLast() {
            let directory = relativeDirectory.isEmpty ? rootReal : rootReal + "/" + relativeDirectory
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw GitError(code: .generic, message: "\(error)", operation: "read directory \(directory)")
            }
            for name in names where name != ".git" {
                let relative = relativeDirectory.isEmpty ? name : relativeDirectory + "/" + name
                let absolute = rootReal + "/" + relative
                var info = stat()
                guard lstat(absolute, &info) == 0 else { continue }  // vanished since the listing
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    if !skip(relative, true) { pending.append(relative) }
                case S_IFREG:
                    guard !skip(relative, false), include(relative) else { continue }
                    if Int(info.st_size) > WorkingFile.maxBytes {
                        files.append(WorkingFile(path: relative, kind: .tooLarge(Int(info.st_size)), bytes: nil))
                    } else {
                        files.append(WorkingFile(path: relative, kind: .regular, bytes: try read(absolute)))
                    }
                case S_IFLNK:
                    guard !skip(relative, false), include(relative) else { continue }
                    if let file = try symlink(relative, absolute: absolute, rootReal: rootReal) {
                        files.append(file)
                    }
                default:
                    continue  // sockets, fifos, devices: never configuration
                }
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    private static func symlink(_ relative: String, absolute: String, rootReal: String) throws -> WorkingFile? {
        guard let resolved = realpath(absolute, nil) else {
            return WorkingFile(path: relative, kind: .danglingSymlink, bytes: nil)
        }
        let target = String(cString: resolved)
        free(resolved)
        let inside = target.hasPrefix(rootReal + "/")
        let targetRelative = inside ? String(target.dropFirst(rootReal.count + 1)) : ""
        if !inside || targetRelative.split(separator: "/").contains(".git") {
            return WorkingFile(path: relative, kind: .symlinkOutside, bytes: nil)
        }
        var info = stat()
        guard stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        if Int(info.st_size) > WorkingFile.maxBytes {
            return WorkingFile(path: relative, kind: .tooLarge(Int(info.st_size)), bytes: nil)
        }
        return WorkingFile(path: relative, kind: .symlink, bytes: try read(target))
    }

    private static func read(_ path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw GitError(code: .generic, message: "\(error)", operation: "read file \(path)")
        }
    }

    private static func realPath(_ path: String, operation: String) throws -> String {
        guard let resolved = realpath(path, nil) else {
            throw GitError(code: .notFound, message: String(cString: strerror(errno)), operation: operation)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension GitRepository {
    /// The files of the working tree as they are on disk — uncommitted edits and untracked files included,
    /// ignored files excluded unless tracked — whose path passes `include`. Same symlink rules as
    /// `DirectoryReader.files`.
    public func workingTreeFiles(where include: @Sendable (String) -> Bool = { _ in true }) throws -> [WorkingFile] {
        guard let workdir else {
            throw GitError(
                code: .invalidArgument, message: "bare repository has no working tree",
                operation: "read working tree of \(url.path)")
        }
        let operation = "read working tree \(workdir.path)"
        var index: OpaquePointer?
        try gitCheck(git_repository_index(&index, repo), operation)
        defer { git_index_free(index) }
        let repo = self.repo
        var failure: GitError?
        let files = try DirectoryReader.walk(root: workdir, include: include) { path, isDirectory in
            guard failure == nil else { return true }
            var ignored: Int32 = 0
            let code = git_ignore_path_is_ignored(&ignored, repo, isDirectory ? path + "/" : path)
            if code < 0 {
                failure = GitError.fromLastError(code: code, operation: operation + ": ignore rules for \(path)")
                return true
            }
            guard ignored != 0 else { return false }
            // A tracked file stays part of the tree even when a later .gitignore rule matches it.
            if isDirectory {
                var position = 0
                let found = git_index_find_prefix(&position, index, path + "/") == 0
                if !found { git_error_clear() }
                return !found
            }
            return git_index_get_bypath(index, path, 0) == nil
        }
        if let failure { throw failure }
        return files
    }
}
