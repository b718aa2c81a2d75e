import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A directory whose contents untrusted code controls (a run's workspace), read and written by
/// relative paths that can never leave it.
///
/// Every path is resolved a component at a time from the root's descriptor with `openat` and
/// `O_NOFOLLOW`: a symbolic link anywhere on the way — planted beforehand or swapped in while the
/// call runs — is refused (`ELOOP`/`ENOTDIR`), never followed, and `..` is refused before any
/// system call. Writes go to a temporary name and are renamed into place, so a reader never sees
/// half a file and a crash leaves the old file or the new one.
public struct ConfinedDirectory: Sendable {
    /// One entry of a directory listing.
    public struct Entry: Sendable, Hashable {
        /// The entry's name.
        public var name: String
        /// What it is.
        public var kind: Kind
        /// Its size in bytes (regular files).
        public var size: Int
    }

    /// What an entry is.
    public enum Kind: String, Sendable, Hashable {
        case file, directory, link, other
    }

    /// The root directory on the host.
    public let root: String

    /// The directory at `root` (not followed if it is a link).
    public init(_ root: String) { self.root = root }

    /// The components of a relative path: `.`, empty components and a leading `./` drop out;
    /// `..`, NUL bytes and absolute paths are refused.
    public static func components(_ path: String) throws(ConfinedPathError) -> [String] {
        guard !path.hasPrefix("/") else { throw ConfinedPathError("`\(path)` is absolute; give a relative path") }
        guard !path.utf8.contains(0) else { throw ConfinedPathError("the path contains a NUL byte") }
        guard path.utf8.count <= 4096 else { throw ConfinedPathError("the path is longer than 4096 bytes") }
        var parts: [String] = []
        // At every `/` byte: `String.split` cuts at grapheme clusters, and a `/` followed by a
        // combining mark is one cluster, which would leave a `/` inside a component for `openat`
        // to resolve — following a link before it.
        for bytes in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            let part = Array(bytes)
            if part == [0x2E] { continue }
            guard part != [0x2E, 0x2E] else { throw ConfinedPathError("`..` may not appear in a path") }
            guard part.count <= 255 else { throw ConfinedPathError("a path component is longer than 255 bytes") }
            parts.append(String(decoding: part, as: UTF8.self))
        }
        return parts
    }

    /// Lists the directory at `components`, sorted by name.
    public func list(_ components: [String]) throws(ConfinedPathError) -> [Entry] {
        let fd = try openDirectory(components, create: false)
        defer { close(fd) }
        return Self.names(of: fd).sorted().map { name in entry(fd, name) }
    }

    /// The first `limit` bytes of the regular file at `components`, and its whole size.
    public func read(_ components: [String], limit: Int) throws(ConfinedPathError) -> (data: Data, size: Int) {
        guard let last = components.last else { throw ConfinedPathError("a directory is not a file") }
        let parent = try openDirectory(Array(components.dropLast()), create: false)
        defer { close(parent) }
        let fd = openat(parent, last, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ConfinedPathError.system("cannot open", components, errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw ConfinedPathError("`\(components.joined(separator: "/"))` is not a regular file")
        }
        var data = Data(count: max(0, min(limit, Int(info.st_size))))
        var filled = 0
        while filled < data.count {
            let n = data.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            filled += n
        }
        data.count = filled
        return (data, Int(info.st_size))
    }

    /// Replaces (or creates) the file at `components` with `data`, creating missing parent
    /// directories; atomic through a rename.
    public func write(_ components: [String], _ data: Data) throws(ConfinedPathError) {
        guard let last = components.last else { throw ConfinedPathError("give a file path, not the directory") }
        let parent = try openDirectory(Array(components.dropLast()), create: true)
        defer { close(parent) }
        var existing = stat()
        if fstatat(parent, last, &existing, AT_SYMLINK_NOFOLLOW) == 0, existing.st_mode & S_IFMT != S_IFREG {
            throw ConfinedPathError("`\(components.joined(separator: "/"))` exists and is not a regular file")
        }
        let temporary = ".charter-write-\(UInt64.random(in: 0...UInt64.max))"
        let fd = openat(parent, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConfinedPathError.system("cannot create", components, errno) }
        var written = 0
        let ok = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                written += n
            }
            return true
        }
        let code = errno
        close(fd)
        guard ok, renameat(parent, temporary, parent, last) == 0 else {
            unlinkat(parent, temporary, 0)
            throw ConfinedPathError.system("cannot write", components, ok ? errno : code)
        }
    }

    /// How many directory levels below its start a walk descends: each level on the way down holds
    /// one descriptor, so a walk never takes more than this many of the process's.
    public static let maxWalkDepth = 64

    /// Visits the tree under `components` (parents first, names sorted, each directory's entries
    /// before those of its subdirectories), at most `limit` entries and ``maxWalkDepth`` levels;
    /// `visit` gets each entry's path relative to the root and returns whether to descend into it
    /// (directories only). Links are reported, never followed.
    ///
    /// Only the directories on the way down to the one being listed are open, never one for each
    /// directory still to visit: a tree of thousands of sibling directories costs a handful of
    /// descriptors.
    ///
    /// - Returns: whether the walk stopped at `limit`.
    @discardableResult
    public func walk(
        _ components: [String], limit: Int, visit: (_ path: String, _ entry: Entry) -> Bool
    ) throws(ConfinedPathError) -> Bool {
        struct Frame {
            var fd: Int32
            var path: String
            /// The subdirectories to descend into, in order, and the next one.
            var below: [String]
            var next = 0
        }
        var stack: [Frame] = []
        defer { for frame in stack { close(frame.fd) } }
        var visited = 0
        /// Lists the open directory `fd`; false when the limit was reached.
        func list(_ fd: Int32, _ path: String) -> Bool {
            var below: [String] = []
            stack.append(Frame(fd: fd, path: path, below: []))
            for name in Self.names(of: fd).sorted() {
                visited += 1
                if visited > limit { return false }
                let child = path.isEmpty ? name : path + "/" + name
                let item = entry(fd, name)
                if visit(child, item), item.kind == .directory, stack.count <= Self.maxWalkDepth {
                    below.append(name)
                }
            }
            stack[stack.count - 1].below = below
            return true
        }
        guard list(try openDirectory(components, create: false), components.joined(separator: "/")) else {
            return true
        }
        while let top = stack.last {
            guard top.next < top.below.count else {
                close(top.fd)
                stack.removeLast()
                continue
            }
            let name = top.below[top.next]
            stack[stack.count - 1].next += 1
            let fd = openat(top.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if !list(fd, top.path.isEmpty ? name : top.path + "/" + name) { return true }
        }
        return false
    }

    /// The directory at `components`, opened without following any link; created (mode 0755)
    /// when `create` and missing.
    private func openDirectory(_ components: [String], create: Bool) throws(ConfinedPathError) -> Int32 {
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfinedPathError("the workspace cannot be opened: \(String(cString: strerror(errno)))")
        }
        for (i, name) in components.enumerated() {
            var next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && create {
                mkdirat(fd, name, 0o755)
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let code = errno
            close(fd)
            guard next >= 0 else {
                throw ConfinedPathError.system("cannot open the directory", Array(components.prefix(i + 1)), code)
            }
            fd = next
        }
        return fd
    }

    private func entry(_ fd: Int32, _ name: String) -> Entry {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            return Entry(name: name, kind: .other, size: 0)
        }
        let kind: Kind =
            switch info.st_mode & S_IFMT {
            case S_IFREG: .file
            case S_IFDIR: .directory
            case S_IFLNK: .link
            default: .other
            }
        return Entry(name: name, kind: kind, size: kind == .file ? Int(info.st_size) : 0)
    }

    /// The UTF-8 names in the directory `fd` (not `.`, `..`); other names are left out, since no
    /// path can name them.
    private static func names(of fd: Int32) -> [String] {
        DirectoryTree.entries(of: fd).compactMap { String(validating: $0, as: UTF8.self) }
    }
}

/// Why a confined path was refused or could not be used.
public struct ConfinedPathError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for a person or a model to read.
    public var message: String

    /// An error.
    public init(_ message: String) { self.message = message }

    static func system(_ what: String, _ components: [String], _ code: Int32) -> ConfinedPathError {
        let path = components.isEmpty ? "." : components.joined(separator: "/")
        let reason =
            switch code {
            case ELOOP: "it is a symbolic link, which is never followed"
            case ENOTDIR: "a part of it is not a directory (or is a symbolic link, which is never followed)"
            case ENOENT: "it does not exist"
            case EISDIR: "it is a directory"
            default: String(cString: strerror(code))
            }
        return ConfinedPathError("\(what) `\(path)`: \(reason)")
    }

    public var description: String { message }
}
