import CGit2
import CharterFoundation
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
        /// A file (or symlink) with a name on its path that is not UTF-8; never read. Its ``path``
        /// shows the invalid bytes as `\xNN` (``FileNameText``).
        case notUTF8
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
        // Directories as bytes (names need not be UTF-8), their text form, and whether it is exact.
        var pending: [(bytes: [UInt8], text: String, isUTF8: Bool)] = [([], "", true)]
        while let directory = pending.popLast() {
            let absoluteDirectory = Array(rootReal.utf8) + (directory.bytes.isEmpty ? [] : [0x2F] + directory.bytes)
            for name in try names(in: absoluteDirectory) where name != Array(".git".utf8) {
                let decoded = FileNameText.decode(name)
                let isUTF8 = directory.isUTF8 && decoded.isUTF8
                let relativeBytes = directory.bytes.isEmpty ? name : directory.bytes + [0x2F] + name
                let relative = directory.text.isEmpty ? decoded.text : directory.text + "/" + decoded.text
                let absolute = rootReal + "/" + relative
                var info = stat()
                let found = (absoluteDirectory + [0x2F] + name + [0]).withUnsafeBufferPointer { path in
                    path.withMemoryRebound(to: CChar.self) { lstat($0.baseAddress!, &info) == 0 }
                }
                guard found else { continue }  // vanished since the listing
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    if !skip(relative, true) { pending.append((relativeBytes, relative, isUTF8)) }
                case S_IFREG, S_IFLNK:
                    guard !skip(relative, false), include(relative) else { continue }
                    // Reported, never read: its text form names no file, and may be another's.
                    if !isUTF8 {
                        files.append(WorkingFile(path: relative, kind: .notUTF8, bytes: nil))
                    } else if info.st_mode & S_IFMT == S_IFLNK {
                        if let file = try symlink(relative, absolute: absolute, rootReal: rootReal) {
                            files.append(file)
                        }
                    } else if Int(info.st_size) > WorkingFile.maxBytes {
                        files.append(WorkingFile(path: relative, kind: .tooLarge(Int(info.st_size)), bytes: nil))
                    } else {
                        files.append(WorkingFile(path: relative, kind: .regular, bytes: try read(absolute)))
                    }
                default:
                    continue  // sockets, fifos, devices: never configuration
                }
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// The names in the directory at the byte path `path`, as bytes (`FileManager` drops names
    /// that are not UTF-8 without a word).
    private static func names(in path: [UInt8]) throws -> [[UInt8]] {
        let handle = (path + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { opendir($0.baseAddress!) }
        }
        guard let handle else {
            let shown = FileNameText.decode(path).text
            throw GitError(
                code: .generic, message: String(cString: strerror(errno)), operation: "read directory \(shown)")
        }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
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
