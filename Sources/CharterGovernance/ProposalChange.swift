import CharterModel
import CharterPlan
import Foundation

/// One resource change of a proposal, as its summary shows it (the full change set is stored
/// beside the proposal).
public struct ProposalChange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The changed resource.
    public var id: ResourceID
    /// Create, update or delete.
    public var action: ChangeAction

    /// A summary entry.
    public init(id: ResourceID, action: ChangeAction) {
        self.id = id
        self.action = action
    }

    /// `+ Person/ada`.
    public var description: String { "\(action.symbol) \(id)" }

    private enum CodingKeys: String, CodingKey { case id, action }

    /// Decodes `{"id": "Person/ada", "action": "create"}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .id)
        guard let id = ResourceID(text) else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: c, debugDescription: "not a resource id: \(text)")
        }
        self.id = id
        action = try c.decode(ChangeAction.self, forKey: .action)
    }

    /// Encodes `{"id": "Person/ada", "action": "create"}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id.description, forKey: .id)
        try c.encode(action, forKey: .action)
    }
}

/// A commit in a proposal's range (base, head].
public struct ProposalCommit: Sendable, Hashable, Codable {
    /// The commit id (hex).
    public var id: String
    /// The author's name as git records it.
    public var authorName: String
    /// The author's e-mail as git records it.
    public var authorEmail: String
    /// The first line of the message.
    public var summary: String

    /// A commit entry.
    public init(id: String, authorName: String, authorEmail: String, summary: String = "") {
        self.id = id
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.summary = summary
    }
}

/// An author of commits in a proposal's range.
public struct ProposalAuthor: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The name as git records it.
    public var name: String
    /// The e-mail as git records it.
    public var email: String

    /// An author.
    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// `Name <email>`.
    public var description: String { "\(name) <\(email)>" }

    /// Name order, then e-mail.
    public static func < (lhs: ProposalAuthor, rhs: ProposalAuthor) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.email < rhs.email
    }
}
