import CZlib

/// Deterministic gzip over the system zlib.
///
/// `compress` writes one gzip member at a fixed level with no file name and a zero MTIME (zlib writes
/// exactly that when no header is set), so identical input gives identical bytes — and identical git
/// blobs — for a given zlib version. `decompress` reads every member of a multi-member stream (the
/// concatenation of several gzip files, as `zcat` does) and refuses to produce more than a byte cap.
public enum Gzip {
    /// The fixed compression level; changing it changes every compressed byte.
    public static let level: Int32 = 9

    /// The default cap on decompressed bytes: 256 MiB.
    public static let defaultMaxBytes = 256 << 20

    /// Output is produced in chunks of this size.
    static let chunkSize = 64 << 10

    /// zlib's window bits for a gzip wrapper: 15 (32 KiB window) + 16.
    static let gzipWindowBits: Int32 = 15 + 16

    /// One gzip member holding `bytes`: level 9, no name, MTIME 0, no extra fields.
    public static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        let initialized = charter_deflateInit2(
            &stream, level, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY)
        // deflateInit2 fails only for bad parameters (fixed here) or when memory runs out.
        precondition(initialized == Z_OK, "deflateInit2 failed: \(initialized)")
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(Int(deflateBound(&stream, uLong(bytes.count))))
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }
        bytes.withUnsafeBufferPointer { input in
            var offset = 0
            while true {
                if stream.avail_in == 0, offset < input.count {
                    let count = min(input.count - offset, Int(UInt32.max))
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + offset)
                    stream.avail_in = uInt(count)
                    offset += count
                }
                let flush = offset == input.count ? Z_FINISH : Z_NO_FLUSH
                stream.next_out = chunk.baseAddress
                stream.avail_out = uInt(chunk.count)
                let code = deflate(&stream, flush)
                precondition(code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR, "deflate failed: \(code)")
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if code == Z_STREAM_END { break }
            }
        }
        return output
    }

    /// The concatenated contents of every gzip member in `bytes`.
    ///
    /// Throws `GzipError` for input that is not gzip, is corrupt (bad data, CRC or length), ends inside a
    /// member, or would decompress to more than `maxBytes` bytes — checked while inflating, so a small
    /// "zip bomb" never allocates more than the cap.
    public static func decompress(_ bytes: [UInt8], maxBytes: Int = defaultMaxBytes) throws(GzipError) -> [UInt8] {
        guard !bytes.isEmpty else { throw GzipError(.truncated, "empty input") }
        var stream = z_stream()
        let initialized = charter_inflateInit2(&stream, gzipWindowBits)
        guard initialized == Z_OK else { throw GzipError(.zlib, "inflateInit2 failed (\(initialized))") }
        defer { inflateEnd(&stream) }
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }
        var output: [UInt8] = []
        var members = 0
        let failure: GzipError? = bytes.withUnsafeBufferPointer { input in
            var offset = 0
            var produced = 0
            while true {
                if stream.avail_in == 0, offset < input.count {
                    let count = min(input.count - offset, Int(UInt32.max))
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + offset)
                    stream.avail_in = uInt(count)
                    offset += count
                }
                // Never ask for more than one byte past the cap: a bomb stops there.
                let room = min(chunk.count, maxBytes - produced + 1)
                stream.next_out = chunk.baseAddress
                stream.avail_out = uInt(room)
                let code = inflate(&stream, Z_NO_FLUSH)
                let count = room - Int(stream.avail_out)
                produced += count
                if produced > maxBytes {
                    return GzipError(.tooLarge, "decompressed data exceeds the limit of \(maxBytes) bytes")
                }
                output.append(contentsOf: chunk[0..<count])
                let consumed = offset - Int(stream.avail_in)
                switch code {
                case Z_STREAM_END:
                    members += 1
                    if consumed == input.count { return nil }
                    // Another member follows: start over on the remaining input.
                    let reset = inflateReset(&stream)
                    guard reset == Z_OK else { return GzipError(.zlib, "inflateReset failed (\(reset))") }
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: with output room left, the input ran out inside a member.
                    if consumed == input.count {
                        return GzipError(.truncated, "input ends inside gzip member \(members + 1)")
                    }
                case Z_DATA_ERROR, Z_NEED_DICT:
                    let message = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    let kind: GzipError.Kind = consumed < 10 && members == 0 ? .notGzip : .corrupt
                    return GzipError(kind, "\(message) in gzip member \(members + 1) near byte \(consumed)")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                    return GzipError(.zlib, message)
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}

/// Why gzip data could not be read.
public struct GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: Equatable, Sendable {
        /// The data does not start with a gzip header.
        case notGzip
        /// A member's data, CRC or length is wrong.
        case corrupt
        /// The input ends inside a member.
        case truncated
        /// The output would exceed the byte cap.
        case tooLarge
        /// zlib failed otherwise (e.g. out of memory).
        case zlib
    }

    /// The kind of failure.
    public var kind: Kind
    /// A readable explanation.
    public var message: String

    /// A failure of `kind`, explained by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// "gzip: <message>".
    public var description: String { "gzip: \(message)" }
}
