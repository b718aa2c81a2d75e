/// A position in a YAML source file.
///
/// Both fields are 1-based. The column counts Unicode scalars, as libyaml does, so a mark
/// points at the same character an editor shows for ASCII and most non-ASCII text.
public struct Mark: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 1-based line number.
    public var line: Int
    /// The 1-based column, counted in Unicode scalars.
    public var column: Int

    /// Creates a mark from a 1-based line and column.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `"line:column"`, the form compilers use after a file name.
    public var description: String { "\(line):\(column)" }

    public static func < (lhs: Mark, rhs: Mark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

extension Mark {
    /// The mark of a byte offset, found by scanning the source from its start.
    ///
    /// libyaml reports encoding problems as byte offsets only; users need a line and column.
    /// Line breaks follow libyaml (LF, CR, CRLF, NEL, LS, PS) so that marks agree with the
    /// ones libyaml gives for syntax errors. A leading UTF-8 byte order mark takes no column.
    static func at(byteOffset offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Mark {
        let end = min(offset, bytes.count)
        var line = 1
        var column = 1
        var index = 0
        if end >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            index = 3
        }
        while index < end {
            let byte = bytes[index]
            switch byte {
            case 0x0A:
                line += 1
                column = 1
            case 0x0D:
                line += 1
                column = 1
                if index + 1 < end, bytes[index + 1] == 0x0A { index += 1 }
            case 0xC2 where index + 1 < end && bytes[index + 1] == 0x85:
                line += 1
                column = 1
                index += 1
            case 0xE2 where index + 2 < end && bytes[index + 1] == 0x80 && (bytes[index + 2] & 0xFE) == 0xA8:
                line += 1
                column = 1
                index += 2
            default:
                // Continuation bytes belong to the scalar already counted.
                if byte & 0xC0 != 0x80 { column += 1 }
            }
            index += 1
        }
        return Mark(line: line, column: column)
    }

    /// The first byte of the character at this mark, or nil past the end of the input.
    ///
    /// Only used to add hints to messages, so NEL, LS and PS line breaks are not considered.
    func firstByte(in bytes: UnsafeBufferPointer<UInt8>) -> UInt8? {
        var line = 1
        var column = 1
        var index = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte & 0xC0 == 0x80 { continue }
            if line == self.line && column == self.column { return byte }
            if byte == 0x0A || (byte == 0x0D && (index == bytes.count || bytes[index] != 0x0A)) {
                guard line < self.line else { return nil }
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return nil
    }
}
