import CharterFoundation
import CharterModel
import Foundation

/// Why a vote document or vote file is invalid.
public struct VoteDocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field at fault (`proposal`, `decision`…), or `file` for the file as a whole.
    public var field: String
    /// What is wrong with it.
    public var message: String

    /// An error about `field`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "invalid vote: \(field): \(message)" }
}

/// The payload a voter signs: what they decided about which exact change, and when.
///
/// The signed bytes are ``canonicalBytes``, the canonical JSON (sorted keys, no whitespace) of
/// ``value``, one line (wrapped here):
///
/// ```json
/// {"changeSetHash":"sha256:…","comment":"…","decision":"approve",
///  "proposal":"P-0007","time":"2025-03-01T12:00:00Z","voter":"lena"}
/// ```
///
/// `comment` is left out when there is none. Because the change-set hash is signed, a vote cannot
/// be replayed onto a different change under the same proposal id.
public struct VoteDocument: Sendable, Hashable {
    /// The decisions a vote can carry.
    public static let decisions = ["approve", "reject", "abstain"]
    /// The longest comment accepted, in UTF-8 bytes.
    public static let maximumCommentBytes = 4096

    /// The proposal voted on: `P-0007`, or a path such as `RUN/STEP` for workflow approvals.
    public let proposal: String
    /// The change set voted on: `sha256:` and 64 lowercase hex digits.
    public let changeSetHash: String
    /// `approve`, `reject` or `abstain` (one of ``decisions``).
    public let decision: String
    /// The voting Person's name.
    public let voter: String
    /// When the vote was cast: RFC 3339 in UTC with second precision, `2025-03-01T12:00:00Z`.
    public let time: String
    /// An optional free-text comment.
    public let comment: String?

    /// A validated vote document.
    public init(
        proposal: String, changeSetHash: String, decision: String, voter: String, time: String, comment: String? = nil
    ) throws(VoteDocumentError) {
        guard Self.isProposalID(proposal) else {
            throw VoteDocumentError(
                field: "proposal",
                message:
                    "expected an id such as 'P-0007' or 'RUN/STEP' (letters, digits, '.', '_', '-', '/' between parts)"
            )
        }
        guard Self.isChangeSetHash(changeSetHash) else {
            throw VoteDocumentError(field: "changeSetHash", message: "expected 'sha256:' and 64 lowercase hex digits")
        }
        guard Self.decisions.contains(decision) else {
            throw VoteDocumentError(field: "decision", message: "expected approve, reject or abstain")
        }
        guard voter.utf8.count <= 63, Patterns.isName(voter) else {
            throw VoteDocumentError(field: "voter", message: "expected a Person name such as 'lena'")
        }
        guard Timestamp.parseUTC(time) != nil else {
            throw VoteDocumentError(field: "time", message: "expected RFC 3339 UTC time such as '2025-03-01T12:00:00Z'")
        }
        if let comment, comment.utf8.count > Self.maximumCommentBytes {
            throw VoteDocumentError(field: "comment", message: "longer than \(Self.maximumCommentBytes) bytes")
        }
        self.proposal = proposal
        self.changeSetHash = changeSetHash
        self.decision = decision
        self.voter = voter
        self.time = time
        self.comment = comment
    }

    /// A validated vote document cast at `date` (truncated to the second).
    public init(
        proposal: String, changeSetHash: String, decision: String, voter: String, date: Date, comment: String? = nil
    ) throws(VoteDocumentError) {
        try self.init(
            proposal: proposal, changeSetHash: changeSetHash, decision: decision, voter: voter,
            time: Self.timestamp(date), comment: comment)
    }

    /// The document from its fields in `value` (an object). Unknown fields are refused, so a file
    /// cannot carry data that looks signed but is not.
    public init(value: Value) throws(VoteDocumentError) {
        try self.init(fields: value, extraAllowed: [])
    }

    init(fields value: Value, extraAllowed: Set<String>) throws(VoteDocumentError) {
        guard let object = value.object else {
            throw VoteDocumentError(field: "file", message: "expected an object, found \(value.typeName)")
        }
        let known: Set<String> = ["proposal", "changeSetHash", "decision", "voter", "time", "comment"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) && !extraAllowed.contains($0) }) {
            throw VoteDocumentError(field: unknown, message: "unknown field")
        }
        func string(_ key: String) throws(VoteDocumentError) -> String {
            guard let v = object[key] else { throw VoteDocumentError(field: key, message: "missing") }
            guard let s = v.string else { throw VoteDocumentError(field: key, message: "expected a string") }
            return s
        }
        var comment: String?
        if let c = object["comment"] {
            guard let s = c.string else { throw VoteDocumentError(field: "comment", message: "expected a string") }
            comment = s
        }
        try self.init(
            proposal: string("proposal"), changeSetHash: string("changeSetHash"), decision: string("decision"),
            voter: string("voter"), time: string("time"), comment: comment)
    }

    /// The document as a value: one string member per field, `comment` only when present.
    public var value: Value {
        var o: [String: Value] = [
            "proposal": .string(proposal), "changeSetHash": .string(changeSetHash), "decision": .string(decision),
            "voter": .string(voter), "time": .string(time),
        ]
        if let comment { o["comment"] = .string(comment) }
        return .object(o)
    }

    /// The bytes a voter signs: the canonical JSON of ``value``.
    public var canonicalBytes: [UInt8] { CanonicalJSON.encode(value) }

    /// ``time`` as a date.
    public var date: Date { Timestamp.parseUTC(time)! }

    /// Signs the canonical bytes with `key` in namespace ``Governance/voteNamespace``.
    public func signed(with key: SSHPrivateKey) throws(SSHSignatureError) -> SignedVote {
        let signature = try SSHSignature.sign(
            message: canonicalBytes, namespace: Governance.voteNamespace, key: key, hash: .sha512)
        return SignedVote(document: self, signature: signature)
    }

    /// `date` as RFC 3339 UTC with second precision (`2025-03-01T12:00:00Z`), the form of ``time``:
    /// ``Timestamp/utc(_:)``.
    public static func timestamp(_ date: Date) -> String { Timestamp.utc(date) }

    static func isChangeSetHash(_ s: String) -> Bool {
        guard s.hasPrefix("sha256:") else { return false }
        let hex = s.utf8.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    static func isProposalID(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 200 else { return false }
        return s.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            let u = Array(part.utf8)
            func ok(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
            guard let first = u.first, ok(first) else { return false }
            return u.allSatisfy {
                ok($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
            }
        }
    }
}

/// A vote as committed to the status branch: the ``VoteDocument`` fields plus `signature`, the
/// armored SSHSIG (namespace ``Governance/voteNamespace``) over the document's canonical bytes.
///
/// The file stores no separate payload: ``verify(allowedKeys:)`` recomputes the canonical bytes
/// from the fields, so editing any field invalidates the signature.
public struct SignedVote: Sendable, Hashable {
    /// The vote's fields.
    public let document: VoteDocument
    /// The armored SSH signature (`-----BEGIN SSH SIGNATURE-----`…).
    public let signature: String

    /// A signed vote from its parts (not verified).
    public init(document: VoteDocument, signature: String) {
        self.document = document
        self.signature = signature
    }

    /// A signed vote from a file's value: the document fields plus `signature` (not verified).
    /// Use this for vote files read as YAML.
    public init(value: Value) throws(VoteDocumentError) {
        document = try VoteDocument(fields: value, extraAllowed: ["signature"])
        guard let s = value["signature"] else { throw VoteDocumentError(field: "signature", message: "missing") }
        guard let text = s.string else { throw VoteDocumentError(field: "signature", message: "expected a string") }
        signature = text
    }

    /// A signed vote from JSON text (not verified).
    public init(json: String) throws(VoteDocumentError) {
        let value: Value
        do {
            value = try Value(json: json)
        } catch {
            throw VoteDocumentError(field: "file", message: error.description)
        }
        try self.init(value: value)
    }

    /// The file's value: the document fields plus `signature`.
    public var value: Value {
        guard case .object(var o) = document.value else { return document.value }
        o["signature"] = .string(signature)
        return .object(o)
    }

    /// The file as pretty JSON (sorted keys, two-space indent, trailing newline).
    public var json: String { PrettyJSON.string(value) }

    /// Verifies the signature over the canonical bytes recomputed from the fields, in namespace
    /// ``Governance/voteNamespace``, against the voter's allowed keys (from the **actual** state).
    ///
    /// - Returns: the key that signed.
    @discardableResult
    public func verify(allowedKeys: [SSHPublicKey]) throws(SSHSignatureError) -> SSHPublicKey {
        try SSHSignature.verify(
            armored: signature, message: document.canonicalBytes, namespace: Governance.voteNamespace,
            allowedKeys: allowedKeys)
    }
}
