import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock` on a file, shared by every process that uses the same path.
///
/// The kernel drops the lock when its holder exits, however it exits, so a killed process never
/// leaves a lock that needs a human. While held, the file names its holder (process id, command and
/// since when), so a process that has to wait can say for whom.
public final class FileLock: Sendable {
    private let descriptor: Int32
    /// The lock file.
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Takes the lock at `path`, or returns nil at once when another process holds it.
    public static func tryAcquire(_ path: String, holder: String) throws(FileLockError) -> FileLock? {
        let fd = try open(path)
        guard try lock(fd, path: path, wait: false) else {
            Glibc.close(fd)
            return nil
        }
        return FileLock(descriptor: fd, path: path).noting(holder)
    }

    /// Takes the lock at `path`, waiting while another process holds it; `waiting` is told once
    /// who holds it, when the lock is not free at once.
    public static func acquire(
        _ path: String, holder: String, waiting: (String) -> Void = { _ in }
    ) throws(FileLockError) -> FileLock {
        let fd = try open(path)
        if try !lock(fd, path: path, wait: false) {
            waiting(Self.holder(of: path) ?? "another process")
            _ = try lock(fd, path: path, wait: true)
        }
        return FileLock(descriptor: fd, path: path).noting(holder)
    }

    /// Who holds (or last held) the lock at `path`, as its holder wrote it.
    public static func holder(of path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        return String(decoding: data.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Releases the lock.
    public func release() {
        flock(descriptor, LOCK_UN)
        Glibc.close(descriptor)
    }

    private func noting(_ holder: String) -> FileLock {
        let text = "pid \(getpid()) (\(holder)) since \(Timestamp.utc(Date()))\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return self
    }

    private static func open(_ path: String) throws(FileLockError) -> Int32 {
        let fd = Glibc.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileLockError(path: path, "cannot create lock file", errno: errno) }
        return fd
    }

    private static func lock(_ fd: Int32, path: String, wait: Bool) throws(FileLockError) -> Bool {
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK && !wait { return false }
            Glibc.close(fd)
            throw FileLockError(path: path, "cannot lock", errno: code)
        }
        return true
    }
}

/// Why a lock file could not be created or locked.
public struct FileLockError: Error, Sendable, CustomStringConvertible {
    /// The lock file.
    public var path: String
    /// What failed, with the system's reason.
    public var message: String

    init(path: String, _ what: String, errno code: Int32) {
        self.path = path
        message = "\(what) \(path): \(String(cString: strerror(code)))"
    }

    public var description: String { message }
}
