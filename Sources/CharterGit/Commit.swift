import CGit2
import Foundation

/// A person and moment, as stored in a commit's author or committer line.
public struct GitSignature: Hashable, Sendable {
    public var name: String
    public var email: String
    public var date: Date
    /// Offset from UTC in minutes, as recorded in the commit.
    public var timeZoneOffsetMinutes: Int

    public init(name: String, email: String, date: Date = Date(), timeZoneOffsetMinutes: Int = 0) {
        self.name = name
        self.email = email
        self.date = date
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
    }

    init(_ signature: UnsafePointer<git_signature>) {
        name = String(cString: signature.pointee.name)
        email = String(cString: signature.pointee.email)
        date = Date(timeIntervalSince1970: TimeInterval(signature.pointee.when.time))
        timeZoneOffsetMinutes = Int(signature.pointee.when.offset)
    }
}

/// The metadata of one commit.
public struct CommitInfo: Hashable, Sendable {
    public var id: ObjectID
    public var tree: ObjectID
    public var parents: [ObjectID]
    public var author: GitSignature
    public var committer: GitSignature
    /// The full message, as stored.
    public var message: String
    /// The first paragraph of the message, on one line.
    public var summary: String
    /// The committer's date.
    public var time: Date { committer.date }
}

extension GitRepository {
    /// Reads commit `id`.
    public func commit(_ id: ObjectID) throws -> CommitInfo {
        let operation = "read commit \(id.short)"
        let commit = try lookupCommit(id, operation)
        defer { git_commit_free(commit) }
        let parents = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0)) }
        return CommitInfo(
            id: id,
            tree: ObjectID(git_commit_tree_id(commit)),
            parents: parents,
            author: GitSignature(git_commit_author(commit)),
            committer: GitSignature(git_commit_committer(commit)),
            message: git_commit_message(commit).map { String(cString: $0) } ?? "",
            summary: git_commit_summary(commit).map { String(cString: $0) } ?? ""
        )
    }
}
