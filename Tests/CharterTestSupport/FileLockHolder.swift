import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Holds an exclusive `flock` on a file from the test process, the way another `charter` process
/// would, writing `note` where a holder's description goes.
public final class FileLockHolder: @unchecked Sendable {
    private let descriptor: Int32
    private let path: String

    public init(_ path: String, note: String) throws {
        self.path = path
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw FixtureError("cannot lock \(path)")
        }
        let text = "pid \(getpid()) (\(note)) since now\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Processes blocked waiting for the lock on `path`, from the kernel's lock table.
    public static func waiters(on path: String) -> Int {
        var info = stat()
        guard stat(path, &info) == 0, let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else {
            return 0
        }
        let inode = ":\(info.st_ino) "
        return table.split(separator: "\n").filter { $0.contains("->") && $0.contains(inode) }.count
    }

    /// Releases the lock once `condition` holds (checked every few milliseconds, bounded so a broken
    /// test cannot hang), or throws when it never does.
    public func releaseWhen(within limit: Duration = .seconds(120), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            guard ContinuousClock.now < deadline else {
                release()
                throw FixtureError("the condition never held while \(path) was locked")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        release()
    }

    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// A blocking call (a child process, say) run on a thread of its own, awaited without holding one
/// of the cooperative pool's few threads meanwhile.
public final class BlockingCall<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    private var waiter: CheckedContinuation<T, any Error>?

    public init(_ body: @escaping @Sendable () throws -> T) {
        Thread.detachNewThread { [self] in
            let outcome = Result { try body() }
            lock.lock()
            result = outcome
            let waiting = waiter
            waiter = nil
            lock.unlock()
            waiting?.resume(with: outcome)
        }
    }

    public var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                if let result {
                    lock.unlock()
                    continuation.resume(with: result)
                } else {
                    waiter = continuation
                    lock.unlock()
                }
            }
        }
    }
}
