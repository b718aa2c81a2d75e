/// Why a network rule's text (`HOST:PORT`) was refused.
public struct NetworkRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule as written (cut to 80 characters).
    public var rule: String
    /// What is wrong.
    public var message: String
    /// What to write instead.
    public var hint: String

    /// Creates an error about `rule`.
    public init(rule: String, message: String, hint: String) {
        self.rule = rule.count > 80 ? String(rule.prefix(80)) + "…" : rule
        self.message = message
        self.hint = hint
    }

    /// `network rule `x`: message — hint`.
    public var description: String { "network rule `\(rule)`: \(message) — \(hint)" }
}
