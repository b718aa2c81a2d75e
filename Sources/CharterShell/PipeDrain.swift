import CharterFoundation
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Copies what a child writes to a pipe into a file, keeping at most `limit` bytes and counting
/// the rest, on a thread of its own that waits in `poll` on the pipe and on a wake-up pipe.
///
/// A shell step's stdout and stderr, a tool server's stderr. A thread rather than a dispatch read
/// source: with many sources whose descriptors were closed in their cancel handlers while others
/// were created (steps starting and ending at once), libdispatch on Linux crashed the process in
/// `_dispatch_event_loop_drain` once descriptor numbers were reused.
final class PipeDrain: Sendable {
    private let state = Locked(State())

    private struct State {
        var wake: Int32 = -1
        var done: (written: Int, produced: Int)?
        var waiters: [CheckedContinuation<(written: Int, produced: Int), Never>] = []
    }

    /// Takes ownership of `source` (a pipe's read end) and `file`, and starts copying.
    init(reading source: Int32, into file: Int32, limit: Int) {
        var fds: [Int32] = [-1, -1]
        let hasWake = (try? ShellRunner.makePipe()).map { fds = [$0.read, $0.write] } != nil
        state.withLock { $0.wake = hasWake ? fds[1] : -1 }
        let wake = hasWake ? fds[0] : -1
        Thread.detachNewThread { [self] in
            let counts = Self.copy(source, to: file, limit: limit, wake: wake)
            close(source)
            close(file)
            let waiters = state.withLock { state in
                if wake >= 0 {
                    close(wake)
                    close(state.wake)
                }
                state.wake = -1
                state.done = counts
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: counts) }
        }
    }

    /// Waits until the pipe reaches end of file, or until `timeout` has passed, after which the
    /// copy stops: a process that left the program's group could hold the pipe open forever.
    /// Returns the bytes written to the file and the bytes the program produced.
    func finish(within timeout: Duration) async -> (written: Int, produced: Int) {
        let stopper = Task {
            try await Task.sleep(for: timeout)
            stop()
        }
        defer { stopper.cancel() }
        return await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.done == nil { state.waiters.append(continuation) }
                return state.done
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Stops copying at once.
    func stop() {
        state.withLock { state in
            guard state.wake >= 0 else { return }
            var byte: UInt8 = 1
            _ = write(state.wake, &byte, 1)
        }
    }

    private static func copy(_ pipe: Int32, to file: Int32, limit: Int, wake: Int32) -> (written: Int, produced: Int) {
        var written = 0
        var produced = 0
        var writeFailed = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var fds = [pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)]
            if wake >= 0 { fds.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds.count > 1, fds[1].revents != 0 { break }
            guard fds[0].revents != 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(pipe, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break
            }
            if count == 0 { break }
            produced += count
            let keep = writeFailed ? 0 : min(count, limit - written)
            var offset = 0
            while offset < keep {
                let n = buffer.withUnsafeBytes { write(file, $0.baseAddress! + offset, keep - offset) }
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    // Keep the file a prefix of the stream: after a failed write, write nothing more.
                    writeFailed = true
                    break
                }
            }
            written += offset
        }
        return (written, produced)
    }
}
