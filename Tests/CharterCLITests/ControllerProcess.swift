import CharterFoundation
import CharterTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `charter controller …` running in the background, its log read line by line as it comes, so a
/// test can wait for what the controller says instead of for a time. Every wait runs on a thread of
/// its own (``onOwnThread(_:)``), never on the cooperative pool.
final class ControllerProcess: @unchecked Sendable {
    private let process = Process()
    private let condition = NSCondition()
    // Guarded by `condition`: the reader thread appends, the test waits.
    private var lines: [String] = []
    private var partial = ""
    private var ended = false

    /// Starts `charter controller arguments…` with `charter`'s data directory; `shell` runs it
    /// through `/bin/sh -c` with this prefix (`ulimit -n 1024;`, say).
    init(
        _ charter: CharterBinary, _ arguments: [String], shellPrefix: String? = nil,
        environment extra: [String: String] = [:]
    ) throws {
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        environment["CHARTER_DATA_DIR"] = charter.dataDir.path
        environment["CHARTER_ACTOR"] = "ops@test"
        process.environment = environment
        let command = [CharterBinary.url.path, "controller"] + arguments
        if let shellPrefix {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shellPrefix + " exec \"$0\" \"$@\""] + command
        } else {
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
        }
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let reading = stderr.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = reading.availableData
                condition.lock()
                if data.isEmpty {
                    if !partial.isEmpty { lines.append(partial) }
                    ended = true
                } else {
                    let text = partial + String(decoding: data, as: UTF8.self)
                    var pieces = text.components(separatedBy: "\n")
                    partial = pieces.removeLast()
                    lines += pieces
                }
                condition.broadcast()
                condition.unlock()
                if data.isEmpty { return }
            }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Every line logged so far.
    var log: [String] { condition.withLock { lines } }

    /// The first line (from `after` on) that contains `text`, once logged; throws if the log ends or
    /// 60 seconds pass first.
    @discardableResult
    func waitForLine(containing text: String, after: Int = 0) async throws -> String {
        try await onOwnThread { try self.blockUntilLine(containing: text, after: after) }
    }

    private func blockUntilLine(containing text: String, after: Int) throws -> String {
        let deadline = Date().addingTimeInterval(60)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let line = lines.dropFirst(after).first(where: { $0.contains(text) }) { return line }
            guard !ended, condition.wait(until: deadline) else {
                throw FixtureError("the controller never logged “\(text)”; its log:\n" + lines.joined(separator: "\n"))
            }
        }
    }

    /// Sends `signal` to the controller.
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the controller to exit (at most 60 seconds, then kills it) and returns its status.
    func exitStatus() async throws -> Int32 {
        try await onOwnThread {
            _ = try? self.waitForEnd()
            self.process.waitUntilExit()
            return self.process.terminationStatus
        }
    }

    private func waitForEnd() throws {
        let deadline = Date().addingTimeInterval(60)
        condition.lock()
        defer { condition.unlock() }
        while !ended {
            guard condition.wait(until: deadline) else {
                kill(process.processIdentifier, SIGKILL)
                throw FixtureError("the controller did not exit")
            }
        }
    }

    /// The port of the webhook server, from its "listening" line.
    func webhookPort() async throws -> Int {
        let line = try await waitForLine(containing: "webhook server listening")
        guard let range = line.range(of: #"address=127\.0\.0\.1:[0-9]+"#, options: .regularExpression),
            let port = Int(line[range].split(separator: ":").last ?? "")
        else { throw FixtureError("no port in “\(line)”") }
        return port
    }
}

/// A git:// remote on 127.0.0.1 that accepts connections and answers nothing until released: a
/// pass that fetches from it stays in flight exactly as long as a test wants.
final class StallingRemote: @unchecked Sendable {
    let port: Int
    private let listener: Int32

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw FixtureError("cannot listen: errno \(errno)")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(listener) }

    /// The URL of a repository on it.
    var url: String { "git://127.0.0.1:\(port)/org.git" }

    /// Waits (at most 60 seconds) for a fetch to connect and returns its socket, held open.
    func acceptFetch() async throws -> Int32 {
        try await onOwnThread { try self.blockUntilFetch() }
    }

    private func blockUntilFetch() throws -> Int32 {
        var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 60_000) == 1 else { throw FixtureError("no fetch connected") }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { throw FixtureError("accept: errno \(errno)") }
        return connection
    }

    /// Ends a held fetch: the pass that made it fails and completes.
    func release(_ connection: Int32) { close(connection) }
}
