#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A pipe whose two ends are close-on-exec from the moment they exist.
///
/// `pipe` followed by `fcntl(FD_CLOEXEC)` leaves a window in which a child that another thread
/// spawns inherits both ends; a child holding a write end keeps the reader from ever seeing end
/// of file. `pipe2(O_CLOEXEC)` closes that window; Swift's Glibc module hides it behind
/// `_GNU_SOURCE`, so it is looked up by name, and the two-step fallback stays for a libc without it.
public enum CloseOnExecPipe {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private static let pipe2: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }

    /// Creates the pipe; on failure returns the `errno`.
    public static func make() -> Result<(read: Int32, write: Int32), PipeError> {
        var fds: [Int32] = [-1, -1]
        if let pipe2 {
            guard fds.withUnsafeMutableBufferPointer({ pipe2($0.baseAddress!, O_CLOEXEC) }) == 0 else {
                return .failure(PipeError(errno: errno))
            }
        } else {
            guard pipe(&fds) == 0 else { return .failure(PipeError(errno: errno)) }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return .success((fds[0], fds[1]))
    }
}

/// Why a pipe could not be created.
public struct PipeError: Error, Sendable {
    /// The `errno` that `pipe2` or `pipe` set.
    public let errno: Int32
}
