import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Drains a child's stdout and stderr pipes into files, keeping at most `limit` bytes of each and
/// counting the rest, so a chatty step can neither fill the disk nor block on a full pipe.
///
/// Pipes rather than handing the child the files themselves: only a reader in between can cap the
/// size without killing the step (RLIMIT_FSIZE would). Dispatch read sources do the reading, so no
/// thread is parked per stream.
final class OutputCapture: @unchecked Sendable {
    // Unchecked: the mutable state below is only touched on `queue` (source handlers and `finish`),
    // and read by `result` after `group` has completed, which orders those accesses.
    private let queue = DispatchQueue(label: "charter.shell.output")
    private let group = DispatchGroup()
    private let streams: [Stream]

    private final class Stream {
        let readFD: Int32
        let fileFD: Int32
        let limit: Int
        var written = 0
        var produced = 0
        var source: DispatchSourceRead?
        var finished = false
        var writeFailed = false

        init(readFD: Int32, fileFD: Int32, limit: Int) {
            self.readFD = readFD
            self.fileFD = fileFD
            self.limit = limit
        }
    }

    /// Takes ownership of the read ends of the pipes and of the output files, and starts reading.
    init(stdout: (pipe: Int32, file: Int32), stderr: (pipe: Int32, file: Int32), limit: Int) {
        streams = [
            Stream(readFD: stdout.pipe, fileFD: stdout.file, limit: limit),
            Stream(readFD: stderr.pipe, fileFD: stderr.file, limit: limit),
        ]
        for stream in streams {
            _ = fcntl(stream.readFD, F_SETFL, fcntl(stream.readFD, F_GETFL) | O_NONBLOCK)
            group.enter()
            let source = DispatchSource.makeReadSource(fileDescriptor: stream.readFD, queue: queue)
            source.setEventHandler { [self] in drain(stream) }
            source.setCancelHandler { [self] in
                close(stream.readFD)
                close(stream.fileFD)
                group.leave()
            }
            stream.source = source
            source.resume()
        }
    }

    /// Waits until both pipes reach end of file, or until `timeout` has passed, after which the
    /// pipes are closed: a process that left the step's process group could otherwise hold them
    /// open forever.
    func finish(
        within timeout: Duration
    ) async -> (stdout: (written: Int, produced: Int), stderr: (written: Int, produced: Int)) {
        queue.asyncAfter(deadline: .now() + timeout.timeInterval) { [self] in
            for stream in streams { stop(stream) }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            group.notify(queue: queue) { continuation.resume() }
        }
        return ((streams[0].written, streams[0].produced), (streams[1].written, streams[1].produced))
    }

    private func drain(_ stream: Stream) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !stream.finished {
            let count = buffer.withUnsafeMutableBytes { read(stream.readFD, $0.baseAddress, $0.count) }
            if count > 0 {
                stream.produced += count
                let keep = stream.writeFailed ? 0 : min(count, stream.limit - stream.written)
                if keep > 0 {
                    let kept = writeAll(stream.fileFD, buffer, count: keep)
                    stream.written += kept
                    // Keep the file a prefix of the stream: after a failed write, write nothing more.
                    if kept < keep { stream.writeFailed = true }
                }
            } else if count == 0 {
                stop(stream)
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                stop(stream)
            }
        }
    }

    private func stop(_ stream: Stream) {
        guard !stream.finished else { return }
        stream.finished = true
        stream.source?.cancel()
    }

    /// Writes `count` bytes and returns how many reached the file (fewer only on a write error such
    /// as a full disk).
    private func writeAll(_ fd: Int32, _ buffer: [UInt8], count: Int) -> Int {
        var offset = 0
        while offset < count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, count - offset) }
            if n > 0 {
                offset += n
            } else if n < 0, errno == EINTR {
                continue
            } else {
                break
            }
        }
        return offset
    }
}
