import CharterFoundation
import CharterTools
import Foundation
import MCP

/// One connection to one server: the MCP SDK's `Client` over a transport, with what the client
/// leaves to its user made certain.
///
/// The SDK's client waits for an answer as long as it takes and keeps waiting when the transport
/// ends. Here every request has a deadline, after which it is cancelled (`notifications/cancelled`)
/// and fails; and when the transport ends — the server closed its output, broke the protocol, was
/// stopped — the reason is recorded and the client disconnected, which fails every request in
/// flight at once. Later calls fail at once with the same reason.
actor MCPSession {
    let server: String
    private let client: Client
    private let transport: any Transport
    private let process: (any ToolServerProcess)?
    /// Why the connection ended, as the end of a sentence starting with "the server".
    private(set) var closure: String?
    /// Whether it ended because the server took too long, not during something it did.
    private var timedOut = false
    private var ending: Task<Void, Never>?
    private var closed = false

    init(server: String, transport: any Transport, process: (any ToolServerProcess)?) {
        self.server = server
        self.transport = transport
        self.process = process
        client = Client(name: "charter", version: "1")
    }

    /// Connects and runs `initialize` within `timeout`. A server's `ping` is answered; its other
    /// requests (sampling, roots, elicitation: capabilities Charter does not offer) are refused.
    func initialize(within timeout: Duration) async throws -> Initialize.Result {
        await client.withMethodHandler(Ping.self) { _ in Empty() }
        return try await bounded("initialize", within: timeout) { [client, transport] in
            try await client.connect(transport: transport)
        }
    }

    /// One page of `tools/list`, within `timeout`.
    func listTools(cursor: String?, within timeout: Duration) async throws -> (tools: [Tool], nextCursor: String?) {
        try await bounded("tools/list", within: timeout) { [client] in
            try await client.listTools(cursor: cursor)
        }
    }

    /// Runs `operation`, failing with ``ToolServerError`` when the connection ends first or
    /// `timeout` passes (which ends the connection: a server that does not answer one of these
    /// will not answer calls).
    private func bounded<T: Sendable>(
        _ method: String, within timeout: Duration, _ operation: @Sendable () async throws -> T
    ) async throws -> T {
        let timer = Task {
            try await Task.sleep(for: timeout)
            await end("did not answer `\(method)` within \(Self.format(timeout))", timedOut: true)
        }
        defer { timer.cancel() }
        do {
            return try await operation()
        } catch {
            await settle(after: error)
            throw ToolServerError(server: server, explain(error, during: "`\(method)`"))
        }
    }

    /// Calls `tool` with `arguments`; fails the call (with a ``ToolFailure`` the model reads) when
    /// `deadline` passes first, cancelling it on the server, or when the connection ends.
    func call(
        _ tool: String, arguments: [String: MCP.Value], deadline: ContinuousClock.Instant, timeoutText: String
    ) async throws -> CallTool.Result {
        if let closure { throw ToolFailure("the tool server `\(server)` is not running: it \(closure)") }
        let context: RequestContext<CallTool.Result>
        do {
            context = try await client.send(CallTool.request(.init(name: tool, arguments: arguments)))
        } catch {
            await settle(after: error)
            throw ToolFailure(explain(error, during: "the call"))
        }
        let id = context.requestID
        let expired = Locked(false)
        let timer = Task { [client] in
            try await Task.sleep(until: deadline, clock: .continuous)
            expired.withLock { $0 = true }
            try? await client.cancelRequest(id, reason: "timed out")
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await context.value
            } onCancel: { [client] in
                Task { try? await client.cancelRequest(id, reason: "the agent step was cancelled") }
            }
        } catch {
            if expired.withLock({ $0 }) {
                throw ToolFailure(
                    "`\(tool)` of the tool server `\(server)` did not finish within \(timeoutText), so it was cancelled; try something smaller, or another way"
                )
            }
            if Task.isCancelled { throw CancellationError() }
            await settle(after: error)
            throw ToolFailure(explain(error, during: "the call"))
        }
    }

    /// What `error` means, with the reason the connection ended when it did.
    private func explain(_ error: any Error, during what: String) -> String {
        if let closure {
            return timedOut ? "the server \(closure)" : "the server stopped during \(what): it \(closure)"
        }
        switch error {
        case let error as TransportClosure:
            return "the server \(error.reason)"
        case let error as MCPError:
            switch error {
            case .serverError(_, let message), .methodNotFound(.some(let message)), .invalidParams(.some(let message)),
                .invalidRequest(.some(let message)), .internalError(.some(let message)):
                return "the server refused \(what): \(Quote.excerpt(message.utf8, limit: 1000))"
            default:
                return "the server failed \(what): \(error)"
            }
        case is DecodingError:
            return
                "the server's answer to \(what) is not what MCP specifies: \(Quote.excerpt("\(error)".utf8, limit: 300))"
        default:
            return "\(what) failed: \(error)"
        }
    }

    /// Records why the connection ended and fails everything in flight. The first reason wins;
    /// later calls wait until it is recorded in full.
    ///
    /// When the program ended by itself (`programEnded`: its output ended, it stopped reading), the
    /// reason adds how it ended (waiting briefly: a program that closed its output is usually
    /// exiting) and the last line of its stderr, which is usually where it said why. When it was cut
    /// off for what it sent, or timed out, its end is Charter's doing and says nothing.
    func end(_ reason: String, programEnded: Bool = false, timedOut: Bool = false) async {
        if let ending { return await ending.value }
        let task = Task { await self.record(reason, programEnded: programEnded, timedOut: timedOut) }
        ending = task
        await task.value
    }

    private func record(_ reason: String, programEnded: Bool, timedOut: Bool) async {
        closure = reason
        self.timedOut = timedOut
        if let process, programEnded {
            var detail = ""
            if let exit = await Self.exit(of: process, within: .seconds(2)) {
                detail += " (its program ended: \(exit))"
                if exit == "exit status 127" {
                    detail +=
                        "; 127 means the program was not found: check spec.stdio.command, and that it is installed where the sandbox shows it"
                }
            }
            let tail = process.stderrTail()
            if let last = tail.split(whereSeparator: \.isNewline).last {
                detail += "; its stderr ends with `\(Quote.excerpt(last.utf8, limit: 300))`"
            }
            closure = reason + detail
        }
        await client.disconnect()
    }

    /// After a failed request: when the transport broke (a write failed), the connection is over;
    /// once any ending is recorded in full, the error can be explained.
    private func settle(after error: any Error) async {
        if let broken = error as? TransportClosure, process != nil {
            await end(broken.reason, programEnded: broken.serverEnded)
        }
        if let ending { await ending.value }
    }

    /// Ends the session: the client, the transport, then the program — given its end of input and
    /// a moment to exit, as MCP's stdio shutdown asks, then stopped with its whole process group.
    func close() async {
        guard !closed else { return }
        closed = true
        if let ending { await ending.value }
        if closure == nil { closure = "was closed" }
        await client.disconnect()
        await transport.disconnect()
        if let process {
            if await Self.exit(of: process, within: .seconds(2)) == nil { await process.terminate() }
            // Once it has exited, whatever the launcher does when it ends (its records) is done too.
            _ = await process.waitForExit()
        }
    }

    /// How `process` ended, waiting at most `limit`; nil if it is still running.
    static func exit(of process: any ToolServerProcess, within limit: Duration) async -> String? {
        if let ended = process.exitDescription { return ended }
        let answer = Locked<CheckedContinuation<String?, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            answer.withLock { $0 = continuation }
            @Sendable func resume(_ value: String?) {
                let waiting = answer.withLock { waiting in
                    defer { waiting = nil }
                    return waiting
                }
                waiting?.resume(returning: value)
            }
            Task { resume(await process.waitForExit()) }
            Task {
                try? await Task.sleep(for: limit)
                resume(nil)
            }
        }
    }

    /// `duration` in words: `60s`, `1.5s`.
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        return String(format: "%.1fs", Double(seconds) + Double(attoseconds) / 1e18)
    }
}
