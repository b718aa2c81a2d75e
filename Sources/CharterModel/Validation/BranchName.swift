/// Branch names as git accepts them (`git check-ref-format --branch`), checked without git so that
/// `charter validate` can refuse a name before the controller tries to create the branch.
public enum BranchName {
    /// Why `name` cannot be a branch, or nil when git accepts it.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name == "@" { return "`@` alone is not a branch name" }
        if name.hasPrefix("-") { return "it starts with `-`" }
        if name.hasPrefix("/") || name.hasSuffix("/") { return "it starts or ends with `/`" }
        if name.hasSuffix(".") { return "it ends with `.`" }
        for sequence in ["..", "//", "@{"] where name.contains(sequence) { return "it contains `\(sequence)`" }
        if let bad = name.unicodeScalars.first(where: {
            $0.value < 0x20 || $0.value == 0x7F || " ~^:?*[\\".unicodeScalars.contains($0)
        }) {
            return bad.value < 0x20 || bad.value == 0x7F
                ? "it contains a control character" : "it contains `\(bad)`"
        }
        for component in name.split(separator: "/") {
            if component.hasPrefix(".") { return "a part starts with `.`" }
            if component.hasSuffix(".lock") { return "a part ends with `.lock`" }
        }
        return nil
    }
}
