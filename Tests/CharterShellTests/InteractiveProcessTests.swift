import CharterShell
import CharterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// ``ShellRunner/start(_:)``: a program talked to over its stdin and stdout.
@Suite struct InteractiveProcessTests {
    func request(_ scratch: Scratch, _ arguments: [String], sandbox: ShellSandboxMode = .disabled) -> ProcessRequest {
        ProcessRequest(
            arguments: arguments, workspace: scratch.workspace, environment: ["GREETING": "it's $HOME"],
            stderrFile: scratch.outputs.appendingPathComponent("stderr"), stderrLimit: 64, sandbox: sandbox)
    }

    /// Writes `text` to `fd` and closes it.
    func send(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// Everything `fd` gives until end of file, then closes it.
    func readAll(_ fd: Int32) -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data += buffer[..<n]
        }
        close(fd)
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: [ShellSandboxMode.disabled, .required])
    func argumentsAreWordsAndPipesConnect(sandbox: ShellSandboxMode) async throws {
        if sandbox == .required && !bubblewrapWorks { return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        // Arguments with quotes, `$` and spaces reach the program as they are: nothing is expanded.
        let script = #"read line; printf '%s|%s|%s|%s\n' "$line" "$1" "$2" "$GREETING"; echo oops >&2"#
        let process = try await makeRunner().start(
            request(scratch, ["/bin/sh", "-c", script, "sh", "a 'b' $c", "*"], sandbox: sandbox))
        send("hello\n", to: process.input)
        #expect(readAll(process.output) == "hello|a 'b' $c|*|it's $HOME\n")
        #expect(await process.waitForExit() == .exited(0))
        #expect(process.termination == .exited(0))
        #expect(process.stderrTail() == "oops")
        #expect(process.sandbox.isSandboxed == (sandbox == .required))
    }

    @Test func aMissingProgramEndsWith127AndSaysSo() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let process = try await makeRunner().start(request(scratch, ["/nonexistent/program", "x"]))
        close(process.input)
        #expect(readAll(process.output) == "")
        #expect(await process.waitForExit() == .exited(127))
        #expect(process.stderrTail().contains("/nonexistent/program: not found"), "\(process.stderrTail())")
        await #expect(throws: ShellError.self) { try await makeRunner().start(request(scratch, [])) }
    }

    @Test func stderrIsCappedAndTerminateStopsTheGroup() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let script = "head -c 100000 /dev/zero | tr '\\0' e >&2; sleep 1000 & echo $!; wait"
        let process = try await makeRunner().start(request(scratch, ["/bin/sh", "-c", script]))
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(process.output, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let sleeper = try #require(Int32(String(decoding: line, as: UTF8.self)))
        #expect(await process.terminate(gracePeriod: .milliseconds(300)) == .signaled(SIGTERM))
        #expect(await ProcessTable.eventually { !ProcessTable.isAlive(sleeper) })
        let kept = try Data(contentsOf: scratch.outputs.appendingPathComponent("stderr"))
        #expect(kept.count == 64)
        close(process.input)
        close(process.output)
    }
}
