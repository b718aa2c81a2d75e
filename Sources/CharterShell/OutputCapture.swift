import Foundation

/// Drains a child's stdout and stderr pipes into files, keeping at most `limit` bytes of each and
/// counting the rest, so a chatty step can neither fill the disk nor block on a full pipe.
///
/// Pipes rather than handing the child the files themselves: only a reader in between can cap the
/// size without killing the step (RLIMIT_FSIZE would). Each stream is copied by a ``PipeDrain``, a
/// thread waiting in `poll`: dispatch read sources, used here before, crashed the process in
/// libdispatch (`_dispatch_event_loop_drain`) when many steps started and ended at once and
/// descriptor numbers closed in cancel handlers were reused.
final class OutputCapture: Sendable {
    private let streams: [PipeDrain]

    /// Takes ownership of the read ends of the pipes and of the output files, and starts reading.
    init(stdout: (pipe: Int32, file: Int32), stderr: (pipe: Int32, file: Int32), limit: Int) {
        streams = [stdout, stderr].map { PipeDrain(reading: $0.pipe, into: $0.file, limit: limit) }
    }

    /// Waits until both pipes reach end of file, or until `timeout` has passed, after which the
    /// pipes are closed: a process that left the step's process group could otherwise hold them
    /// open forever.
    func finish(
        within timeout: Duration
    ) async -> (stdout: (written: Int, produced: Int), stderr: (written: Int, produced: Int)) {
        async let stdout = streams[0].finish(within: timeout)
        async let stderr = streams[1].finish(within: timeout)
        return await (stdout, stderr)
    }
}
