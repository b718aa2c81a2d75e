import CharterFoundation
import Foundation

/// The one process that executes runs for a data directory holds this lock (`engine.lock`): the
/// controller, or `charter run` when no controller is running. Others only create runs and request
/// cancellations in `runs.sqlite`, which the holder picks up. The kernel drops the lock when its
/// holder dies, so a crashed controller never blocks its successor.
public final class EngineLock: Sendable {
    private let lock: FileLock

    private init(_ lock: FileLock) { self.lock = lock }

    /// Takes the lock of `dataDirectory`, or returns nil at once when another process holds it.
    public static func tryAcquire(dataDirectory: URL) throws -> EngineLock? {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let path = dataDirectory.appendingPathComponent("engine.lock").path
        do {
            return try FileLock.tryAcquire(
                path, holder: "executes runs: \(CommandLine.arguments.prefix(2).joined(separator: " "))"
            )
            .map(EngineLock.init)
        } catch {
            throw SourceError("\(error); check --data-dir")
        }
    }

    /// Releases the lock.
    public func release() { lock.release() }
}

/// The lock of deciding: one process at a time runs a pass (fetch, plan, govern, apply, write
/// back) or another command that changes the applied state for a data directory, so two passes
/// started together can never both create the proposal for one change. A second process waits,
/// saying who holds it; the kernel drops the lock when its holder dies.
public enum PassLock {
    /// Takes `<dataDirectory>/pass.lock` for `holder` (what the process is doing), waiting on a
    /// thread of its own while another process holds it; `waiting` hears who that is, once.
    public static func acquire(
        dataDirectory: URL, holder: String, waiting: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> FileLock {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let path = dataDirectory.appendingPathComponent("pass.lock").path
        // flock blocks: wait on a dedicated thread, never on one of the cooperative pool's.
        return try await onOwnThread {
            do {
                return try FileLock.acquire(path, holder: holder, waiting: waiting)
            } catch {
                throw SourceError("\(error); check --data-dir")
            }
        }
    }
}
