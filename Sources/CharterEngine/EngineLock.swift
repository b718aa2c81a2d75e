import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock` on `<data-dir>/runs.lock`, held while an engine runs: two engines on one
/// data directory would both write the same runs' event chains. The kernel drops the lock when the
/// process dies, so a controller killed with `kill -9` never leaves it behind.
final class EngineLock: @unchecked Sendable {
    // Only touched by init and release, which the engine calls once each.
    private var descriptor: Int32

    init(directory: URL) throws(RunStoreError) {
        let path = directory.appendingPathComponent("runs.lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunStoreError(
                operation: "lock the run database", path: path, message: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            close(descriptor)
            descriptor = -1
            throw RunStoreError(
                operation: "lock the run database", path: path,
                message: "another engine (process \(holder ?? "?")) runs on this data directory; stop it first")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    func release() {
        guard descriptor >= 0 else { return }
        // Unlock before closing: a child spawned by another thread may still share the descriptor
        // between its fork and its exec, and a lock only dies with the last descriptor otherwise.
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
