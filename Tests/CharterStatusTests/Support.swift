import CharterStatus
import CharterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct SupportError: Error, CustomStringConvertible {
    var description: String
}

/// Runs `git` with a fixed identity and no user or system configuration; returns trimmed stdout.
@discardableResult
func git(_ args: String..., in directory: URL) throws -> String {
    try GitFixture.run(["-C", directory.path] + args)
}

/// Runs a program, feeding nothing on stdin, and returns its raw stdout; throws on a non-zero exit.
func runCapturingBytes(_ executable: String, _ arguments: [String]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw SupportError(description: "\(executable) exited with \(process.terminationStatus)")
    }
    return [UInt8](data)
}

/// A value shared with a `@Sendable` closure.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    func withValue<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&stored) } }
}

/// The events file of `writer`'s pending batch; fails the test when nothing is pending.
func flush(
    _ writer: inout EventLogWriter, sourceLocation: SourceLocation = #_sourceLocation
) throws -> (path: String, bytes: [UInt8]) {
    let file = writer.flush()
    return try #require(file, sourceLocation: sourceLocation)
}
