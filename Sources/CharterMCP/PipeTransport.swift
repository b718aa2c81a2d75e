import CharterFoundation
import Foundation
import Logging
import MCP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a transport stopped: the server went away or broke the protocol.
struct TransportClosure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What happened, as the end of a sentence starting with the server (`closed its output`).
    var reason: String
    /// Whether the server went away by itself (its output ended, it stopped reading), rather than
    /// being cut off for what it sent: then how its program ended says why.
    var serverEnded = false
    var description: String { reason }
}

/// MCP's stdio transport over a child's pipes: one JSON-RPC message per line.
///
/// The MCP SDK's own `StdioTransport` takes file descriptors too, but keeps every byte of a line
/// until its newline arrives, so a server that writes without newlines grows the controller's
/// memory without bound, and it passes lines that are not JSON on to the client, which logs and
/// drops them: a server that prints a banner on stdout would make every call wait for its timeout.
/// This transport refuses both at once and says so:
///
/// - a message longer than ``maxMessageBytes`` closes the connection;
/// - a line that is not a JSON object or array (the spec: "the server MUST NOT write anything to
///   its stdout that is not a valid MCP message") closes it, quoting the start of the line;
/// - end of file closes it.
///
/// Each closure finishes the message stream with an error, which ends the SDK client's receive
/// loop, and is reported once to `onClose`, which fails the calls in flight.
///
/// Reads run on a thread of the transport's own (``LineReader``); writes go, in order, through a
/// serial queue that writes the blocking write end, so a server that does not read blocks only
/// that queue until it is stopped.
actor PipeTransport: Transport {
    nonisolated let logger: Logger
    private let input: Int32
    private let reader: LineReader
    private let writes = DispatchQueue(label: "charter.mcp.pipe.write")
    private var connected = false
    private var inputClosed = false

    /// The longest message accepted from a server: 16 MiB (a tool result with a large image fits).
    static let maxMessageBytes = 16 * 1024 * 1024

    /// A transport writing to `input` and reading `output`, both owned by it from now on.
    init(
        input: Int32, output: Int32, maxMessageBytes: Int = PipeTransport.maxMessageBytes,
        onClose: @escaping @Sendable (TransportClosure) -> Void
    ) {
        _ = Self.ignoreBrokenPipes
        self.input = input
        logger = Logger(label: "charter.mcp.stdio", factory: { _ in SwiftLogNoOpLogHandler() })
        reader = LineReader(fd: output, limit: maxMessageBytes, onClose: onClose)
    }

    /// Writing to a pipe whose reader has exited raises SIGPIPE, which would kill the controller;
    /// ignored, the write fails with `EPIPE` instead. Children start with default dispositions
    /// (`posix_spawn` with `POSIX_SPAWN_SETSIGDEF`), so they are not affected.
    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    func connect() async throws {
        guard !connected else { return }
        connected = true
        reader.start()
    }

    func disconnect() async {
        reader.stop(TransportClosure(reason: "was disconnected"), report: false)
        guard !inputClosed else { return }
        inputClosed = true
        // After every write already queued: closing a descriptor a write still uses could close
        // one the number is reused for.
        let input = input
        writes.async { close(input) }
    }

    func send(_ data: Data) async throws {
        guard connected, !inputClosed else { throw TransportClosure(reason: "is not connected") }
        var line = data
        line.append(UInt8(ascii: "\n"))
        let message = line
        let input = input
        let failure: Int32? = await withCheckedContinuation { continuation in
            writes.async { continuation.resume(returning: Self.writeAll(input, message)) }
        }
        if let failure {
            throw TransportClosure(
                reason: "stopped reading its input (\(String(cString: strerror(failure))))", serverEnded: true)
        }
    }

    func receive() -> AsyncThrowingStream<Data, any Swift.Error> { reader.messages }

    /// Writes all of `data` to the blocking descriptor `fd`; the `errno` of a failure, or nil.
    private static func writeAll(_ fd: Int32, _ data: Data) -> Int32? {
        data.withUnsafeBytes { raw -> Int32? in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return n < 0 ? errno : EPIPE
                }
            }
            return nil
        }
    }
}

/// Reads newline-delimited messages from a descriptor on a thread of its own, which waits in
/// `poll` on the descriptor and on a wake-up pipe that ``stop(_:report:)`` writes to.
///
/// A thread rather than a dispatch read source: with a source whose descriptor is closed in its
/// cancel handler while other sources come and go, libdispatch on Linux was seen to crash in
/// `_dispatch_event_loop_drain` (a freed event note, once the descriptor number was reused), and
/// a stdio server's output has no end anyone waits for. The thread owns the descriptor, the
/// buffer and the line state; only ``stop(_:report:)`` reaches it from outside, through the
/// locked state and the wake-up pipe.
final class LineReader: Sendable {
    let messages: AsyncThrowingStream<Data, any Swift.Error>
    private let continuation: AsyncThrowingStream<Data, any Swift.Error>.Continuation
    private let fd: Int32
    private let limit: Int
    private let onClose: @Sendable (TransportClosure) -> Void
    private let state = Locked(State())

    private struct State {
        enum Phase { case idle, running, done }
        var phase = Phase.idle
        /// Written to by ``LineReader/stop(_:report:)``; read by the thread.
        var wake: (read: Int32, write: Int32)?
        /// Why the reader was asked to stop, and whether `onClose` should hear it.
        var stopped: (TransportClosure, report: Bool)?
    }

    init(fd: Int32, limit: Int, onClose: @escaping @Sendable (TransportClosure) -> Void) {
        self.fd = fd
        self.limit = limit
        self.onClose = onClose
        (messages, continuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Starts the thread (once); a reader already stopped stays stopped.
    func start() {
        guard case .success(let ends) = CloseOnExecPipe.make() else {
            return stop(TransportClosure(reason: "could not be read (no wake-up pipe)"), report: true)
        }
        let fds = [ends.read, ends.write]
        let started = state.withLock { state -> Bool in
            guard state.phase == .idle else { return false }
            state.phase = .running
            state.wake = (fds[0], fds[1])
            return true
        }
        guard started else {
            for wakeFD in fds { close(wakeFD) }
            return
        }
        let wake = fds[0]
        Thread.detachNewThread { [self] in
            run(wake: wake)
            state.withLock { state in
                if let wake = state.wake {
                    close(wake.read)
                    close(wake.write)
                }
                state.wake = nil
                state.phase = .done
            }
        }
    }

    /// Stops reading: the stream ends with `closure`, which `onClose` hears when `report` is set.
    /// The first reason wins, whether it came from here or from the server.
    func stop(_ closure: TransportClosure, report: Bool) {
        let phase = state.withLock { state -> State.Phase in
            if state.stopped == nil { state.stopped = (closure, report) }
            if let wake = state.wake {
                var byte: UInt8 = 1
                _ = write(wake.write, &byte, 1)
            }
            let phase = state.phase
            if phase == .idle { state.phase = .done }
            return phase
        }
        // Never started: nothing else will close the descriptor or end the stream.
        if phase == .idle {
            close(fd)
            finish(closure, report: report)
        }
    }

    private func finish(_ closure: TransportClosure, report: Bool) {
        continuation.finish(throwing: closure)
        if report { onClose(closure) }
    }

    /// The thread: reads until end of file, a refusal, or a stop; then closes the descriptor.
    private func run(wake: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var closure: (TransportClosure, report: Bool)?
        while closure == nil {
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                closure = (TransportClosure(reason: "could not be read (\(String(cString: strerror(errno))))"), true)
                break
            }
            if fds[1].revents != 0 { break }
            guard fds[0].revents != 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                closure = take(buffer[..<count], into: &pending)
            } else if count == 0 {
                closure = (TransportClosure(reason: "closed its output", serverEnded: true), true)
            } else if errno != EINTR && errno != EAGAIN {
                let reason = String(cString: strerror(errno))
                closure = (TransportClosure(reason: "could not be read (\(reason))", serverEnded: true), true)
            }
        }
        close(fd)
        // A stop asked for first wins over what the thread found.
        let final = state.withLock { state -> (TransportClosure, report: Bool) in
            if state.stopped == nil, let closure { state.stopped = closure }
            return state.stopped ?? (TransportClosure(reason: "was disconnected"), false)
        }
        finish(final.0, report: final.report)
    }

    /// Delivers the complete lines of `bytes` after `pending`; the reason to stop, if any.
    private func take(_ bytes: ArraySlice<UInt8>, into pending: inout [UInt8]) -> (TransportClosure, report: Bool)? {
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending + bytes[start..<newline]
            pending = []
            start = newline + 1
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if let refusal = deliver(line) { return (refusal, true) }
        }
        pending += bytes[start...]
        if pending.count > limit {
            return (
                TransportClosure(reason: "sent a message longer than \(limit / (1024 * 1024)) MiB without ending it"),
                true
            )
        }
        return nil
    }

    /// Hands one line to the client; why it is refused, if it is.
    private func deliver(_ line: [UInt8]) -> TransportClosure? {
        guard line.count <= limit else {
            return TransportClosure(reason: "sent a message longer than \(limit / (1024 * 1024)) MiB")
        }
        guard let first = line.first(where: { !Self.isSpace($0) }) else { return nil }  // blank lines are skipped
        let data = Data(line)
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "["),
            (try? JSONSerialization.jsonObject(with: data)) != nil
        else {
            return TransportClosure(
                reason:
                    "wrote something that is not an MCP message on its stdout (`\(Quote.excerpt(line))`); a server must write only JSON-RPC messages there, and its logs to stderr"
            )
        }
        continuation.yield(data)
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}

/// Short, printable quotes of what a server sent, for messages.
enum Quote {
    /// The first `limit` characters of `bytes` as text, control characters shown as `?`.
    static func excerpt(_ bytes: some Sequence<UInt8>, limit: Int = 80) -> String {
        var text = ""
        for scalar in String(decoding: Array(bytes.prefix(limit * 4)), as: UTF8.self).unicodeScalars {
            if text.unicodeScalars.count >= limit {
                text += "…"
                break
            }
            text.unicodeScalars.append(scalar.properties.generalCategory == .control ? "?" : scalar)
        }
        return text
    }
}
