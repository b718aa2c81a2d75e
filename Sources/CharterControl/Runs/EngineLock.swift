import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one process that executes runs for a data directory holds this lock (`engine.lock`, an
/// exclusive `flock`): the controller, or `charter run` when no controller is running. Others only
/// create runs and request cancellations in `runs.sqlite`, which the holder picks up. The kernel
/// drops the lock when its holder dies, so a crashed controller never blocks its successor.
public final class EngineLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the lock of `dataDirectory`, or returns nil at once when another process holds it.
    public static func tryAcquire(dataDirectory: URL) throws -> EngineLock? {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let path = dataDirectory.appendingPathComponent("engine.lock").path
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SourceError("cannot create lock file \(path): \(String(cString: strerror(errno))); check --data-dir")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw SourceError("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        return EngineLock(descriptor: fd)
    }

    /// Releases the lock.
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
