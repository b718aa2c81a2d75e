import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Walks and removes directory trees that untrusted code may be changing at the same moment (a
/// run's workspace, written by sandboxed steps), without ever following a symbolic link.
///
/// Every step goes through directory descriptors (`openat` with `O_NOFOLLOW | O_DIRECTORY`,
/// `fstatat`, `renameat`, `unlinkat`), never through a path resolved again later: a directory
/// swapped for a link to `/etc` between two calls is refused (`ELOOP`), not followed. Names are
/// bytes; one that is not UTF-8 is reported as such rather than skipped. Trees deeper than
/// `PATH_MAX` are handled, since nothing is addressed by its full path.
public enum DirectoryTree {
    /// One entry met by ``walk(_:limit:decide:)``.
    public struct Entry: Sendable {
        /// The path relative to the root, `/`-separated; nil when a component is not UTF-8.
        public var path: String?
        /// Whether it is a directory (a link to one is not).
        public var isDirectory: Bool
        /// Whether it is a symbolic link.
        public var isLink: Bool
    }

    /// What to do with an entry.
    public enum Decision: Sendable {
        /// Look inside it (directories only).
        case descend
        /// Leave it, and what is under it, alone.
        case skip
        /// Move it out of the tree, into the walk's quarantine directory.
        case quarantine
    }

    /// Walks the tree at `root`, asking `decide` about every entry (parents first); entries it
    /// quarantines are renamed into `quarantine` (a directory on the same file system), one name
    /// per entry. Returns the relative paths (or their escaped form) quarantined.
    ///
    /// - Throws: ``DirectoryTreeError`` when more than `limit` entries would be visited, or the
    ///   root or quarantine cannot be opened.
    public static func walk(
        _ root: String, quarantine: String? = nil, limit: Int, decide: (Entry) -> Decision
    ) throws(DirectoryTreeError) -> [String] {
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard rootFD >= 0 else { throw DirectoryTreeError("cannot open \(root)", errno: errno) }
        defer { close(rootFD) }
        // Opened (and created) on first use: most walks move nothing.
        var quarantineFD: Int32 = -1
        func quarantineDirectory() throws(DirectoryTreeError) -> Int32 {
            guard quarantineFD < 0, let quarantine else { return quarantineFD }
            try? FileManager.default.createDirectory(
                atPath: quarantine, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            quarantineFD = open(quarantine, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard quarantineFD >= 0 else { throw DirectoryTreeError("cannot open \(quarantine)", errno: errno) }
            return quarantineFD
        }
        defer { if quarantineFD >= 0 { close(quarantineFD) } }
        var moved: [String] = []
        var visited = 0
        // An explicit stack of open directories: depth costs descriptors, never stack frames.
        var stack: [(fd: Int32, path: [UInt8], valid: Bool)] = [(dup(rootFD), [], true)]
        defer { for frame in stack { close(frame.fd) } }
        while let frame = stack.popLast() {
            defer { close(frame.fd) }
            for name in entries(of: frame.fd) {
                visited += 1
                guard visited <= limit else {
                    throw DirectoryTreeError("more than \(limit) entries under \(root)")
                }
                var info = stat()
                guard fstatat(frame.fd, cString(name), &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                let bytes = frame.path.isEmpty ? name : frame.path + [UInt8(ascii: "/")] + name
                let valid = frame.valid && String(validating: name, as: UTF8.self) != nil
                let kind = info.st_mode & S_IFMT
                let entry = Entry(
                    path: valid ? String(decoding: bytes, as: UTF8.self) : nil, isDirectory: kind == S_IFDIR,
                    isLink: kind == S_IFLNK)
                switch decide(entry) {
                case .skip:
                    continue
                case .quarantine:
                    let into = try quarantineDirectory()
                    guard into >= 0 else { continue }
                    let target =
                        "\(moved.count)-" + String(decoding: name.map { $0 == 0x2F ? 0x5F : $0 }, as: UTF8.self)
                    if renameat(frame.fd, cString(name), into, target) == 0 {
                        moved.append(entry.path ?? String(decoding: bytes, as: UTF8.self))
                    }
                case .descend:
                    guard entry.isDirectory else { continue }
                    let fd = openat(frame.fd, cString(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    // Swapped for a link or removed meanwhile: not ours to follow.
                    guard fd >= 0 else { continue }
                    stack.append((fd, bytes, valid))
                }
            }
        }
        return moved
    }

    /// Removes the tree at `path` (which may be a file or a link, removed as such), however deep,
    /// making directories writable as it goes; a missing path is not an error.
    ///
    /// - Throws: ``DirectoryTreeError`` naming the first entry that could not be removed.
    public static func remove(_ path: String) throws(DirectoryTreeError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            guard unlink(path) == 0 || errno == ENOENT else {
                throw DirectoryTreeError("cannot remove \(path)", errno: errno)
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let parentFD = open(parent.isEmpty ? "." : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parentFD >= 0 else { throw DirectoryTreeError("cannot open \(parent)", errno: errno) }
        defer { close(parentFD) }
        try removeChild(Array(name.utf8), of: parentFD, describing: path)
    }

    /// Removes `name` under `parent` depth-first with a stack of descriptors. Past
    /// ``maximumDepth`` levels a deep directory is renamed up under `parent` and removed as a tree
    /// of its own, so the descriptors held stay bounded whatever the depth.
    private static func removeChild(
        _ name: [UInt8], of parent: Int32, describing path: String
    ) throws(DirectoryTreeError) {
        var pending: [[UInt8]] = [name]
        var serial = 0
        while let top = pending.popLast() {
            var stack: [(parent: Int32, name: [UInt8], fd: Int32)] = []
            defer { for frame in stack { close(frame.fd) } }
            func push(_ parentFD: Int32, _ name: [UInt8]) -> Bool {
                _ = fchmodat(parentFD, cString(name), 0o700, 0)
                let fd = openat(parentFD, cString(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0 else { return false }
                stack.append((parentFD, name, fd))
                return true
            }
            guard push(parent, top) else {
                if unlinkat(parent, cString(top), 0) == 0 || errno == ENOENT { continue }
                throw DirectoryTreeError("cannot remove \(path)", errno: errno)
            }
            while let frame = stack.last {
                var descended = false
                for child in entries(of: frame.fd) {
                    var info = stat()
                    guard fstatat(frame.fd, cString(child), &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                    if info.st_mode & S_IFMT == S_IFDIR {
                        if stack.count >= maximumDepth {
                            serial += 1
                            let moved = Array(".charter-deep-\(getpid())-\(serial)".utf8)
                            if renameat(frame.fd, cString(child), parent, cString(moved)) == 0 {
                                pending.append(moved)
                                continue
                            }
                        }
                        if push(frame.fd, child) {
                            descended = true
                            break
                        }
                    }
                    guard unlinkat(frame.fd, cString(child), 0) == 0 || errno == ENOENT else {
                        throw DirectoryTreeError("cannot remove an entry under \(path)", errno: errno)
                    }
                }
                if descended { continue }
                stack.removeLast()
                close(frame.fd)
                guard unlinkat(frame.parent, cString(frame.name), AT_REMOVEDIR) == 0 || errno == ENOENT else {
                    throw DirectoryTreeError("cannot remove a directory under \(path)", errno: errno)
                }
            }
        }
    }

    /// How many directories deep ``remove(_:)`` descends before it renames a subtree up.
    static let maximumDepth = 128

    /// The names in the directory `fd` (not `.` and `..`), read through a duplicate descriptor.
    static func entries(of fd: Int32) -> [[UInt8]] {
        let copy = dup(fd)
        guard copy >= 0, let directory = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return []
        }
        defer { closedir(directory) }
        rewinddir(directory)
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        return names
    }

    private static func cString(_ bytes: [UInt8]) -> [CChar] {
        bytes.map { CChar(bitPattern: $0) } + [0]
    }
}

/// Why a tree could not be walked or removed.
public struct DirectoryTreeError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the system's reason when there is one.
    public var message: String

    init(_ what: String, errno code: Int32? = nil) {
        message = code.map { "\(what): \(String(cString: strerror($0)))" } ?? what
    }

    public var description: String { message }
}
