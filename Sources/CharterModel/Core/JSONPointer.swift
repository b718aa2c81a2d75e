/// An RFC 6901 JSON pointer such as `/spec/members/0`: where a field lives inside a resource.
public struct JSONPointer: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The unescaped reference tokens, outermost first.
    public var tokens: [String]

    /// The pointer to the whole document.
    public static let root = JSONPointer(tokens: [])

    public init(tokens: [String]) { self.tokens = tokens }

    /// Parses the `/a/b~1c` form; `~1` is `/` and `~0` is `~`.
    public init(_ string: String) {
        guard !string.isEmpty else {
            tokens = []
            return
        }
        let parts = string.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        // Escapes are rare; skip the replacing work when there are none.
        guard string.utf8.contains(UInt8(ascii: "~")) else {
            tokens = parts.map(String.init)
            return
        }
        tokens = parts.map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// This pointer extended by one member name.
    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }
    /// This pointer extended by one array index.
    public func appending(_ index: Int) -> JSONPointer { JSONPointer(tokens: tokens + [String(index)]) }

    public var description: String {
        tokens.isEmpty
            ? ""
            : tokens.map {
                "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            }
            .joined()
    }

    /// Orders pointers token by token, numeric tokens numerically, so `/steps/2` precedes `/steps/10`.
    public static func < (lhs: JSONPointer, rhs: JSONPointer) -> Bool {
        for (a, b) in zip(lhs.tokens, rhs.tokens) where a != b {
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
        return lhs.tokens.count < rhs.tokens.count
    }
}
