import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An anonymous in-memory file (`memfd_create`) that hands data to bubblewrap through a descriptor:
/// its arguments (`--args`), the seccomp program and the synthesized `/etc` files.
///
/// A descriptor rather than a pipe, because a pipe holds only 64 KiB before the writer blocks and
/// arguments carry environment values of any size; rather than a file on disk, because nothing
/// has to be cleaned up after a crash and no other process can open it by name. Rather than
/// bubblewrap's command line, because `/proc/PID/cmdline` is readable by every user of the host.
final class MemoryFile {
    typealias Create = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
    /// `memfd_create`, glibc 2.27+, looked up by name like the other GNU extensions.
    private static let create: Create? = dlsym(nil, "memfd_create").map { unsafeBitCast($0, to: Create.self) }
    private static let closeOnExec: UInt32 = 1  // MFD_CLOEXEC

    /// The descriptor, close-on-exec; the child gets it through `dup2` only.
    let descriptor: Int32

    /// An empty file; closed when the object goes away.
    init(name: String) throws(ShellError) {
        guard let create = Self.create else {
            throw ShellError(.sandboxUnavailable, "this C library lacks memfd_create (glibc 2.27+)")
        }
        let fd = create(name, Self.closeOnExec)
        guard fd >= 0 else { throw ShellError.system(.spawnFailed, "could not create an in-memory file", errno: errno) }
        descriptor = fd
    }

    /// A file holding `bytes`, positioned at its start so the reader sees all of them.
    convenience init(name: String, bytes: [UInt8]) throws(ShellError) {
        try self.init(name: name)
        try write(bytes)
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw ShellError.system(.spawnFailed, "could not rewind an in-memory file", errno: errno)
        }
    }

    private func write(_ bytes: [UInt8]) throws(ShellError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ShellError.system(.spawnFailed, "could not fill an in-memory file", errno: errno) }
            written += n
        }
    }

    /// Everything in the file, read from its start.
    func contents() throws(ShellError) -> [UInt8] {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw ShellError.system(.spawnFailed, "could not rewind an in-memory file", errno: errno)
        }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw ShellError.system(.spawnFailed, "could not read an in-memory file", errno: errno)
            }
            if n == 0 { return out }
            out += buffer[..<n]
        }
    }

    deinit { Glibc.close(descriptor) }
}
