import CharterModel
import CharterPlan
import Foundation

/// A proposal's readable, stable id: `P-0001`, `P-0002`, … (`P-10000` after `P-9999`). The store
/// allocates the numbers in increasing order and never reuses one.
public struct ProposalID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The number, 1 or more.
    public let number: Int

    /// The id with `number`, which must be at least 1.
    public init(number: Int) {
        precondition(number >= 1, "proposal numbers start at 1")
        self.number = number
    }

    /// Parses `P-0007`; `nil` for anything that is not exactly the form ``description`` prints.
    public init?(_ text: String) {
        guard text.hasPrefix("P-"), let n = Int(text.dropFirst(2)), n >= 1,
            text.utf8.dropFirst(2).allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return nil }
        self.number = n
        guard description == text else { return nil }
    }

    /// `P-` and the number padded to four digits.
    public var description: String {
        let digits = String(number)
        return "P-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Number order.
    public static func < (lhs: ProposalID, rhs: ProposalID) -> Bool { lhs.number < rhs.number }

    /// Decodes the `P-0007` form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ProposalID(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a proposal id: \(text)"))
        }
        self = id
    }

    /// Encodes the `P-0007` form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Where a proposal's desired state comes from.
public enum ProposalSource: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The tip of the watched branch (such as `main`): its change set against the actual state.
    case branch(String)
    /// A proposal branch `proposals/NAME` (the associated value is `NAME`): a change against the
    /// watched branch, merged into it once approved.
    case proposalBranch(String)

    /// A stable key for storage and lookups: `branch:main`, `proposal:NAME`.
    public var key: String {
        switch self {
        case .branch(let name): "branch:" + name
        case .proposalBranch(let name): "proposal:" + name
        }
    }

    /// Parses ``key``.
    public init?(key: String) {
        if key.hasPrefix("branch:"), key.count > 7 {
            self = .branch(String(key.dropFirst(7)))
        } else if key.hasPrefix("proposal:"), key.count > 9 {
            self = .proposalBranch(String(key.dropFirst(9)))
        } else {
            return nil
        }
    }

    /// `branch main` or `proposal branch NAME`.
    public var description: String {
        switch self {
        case .branch(let name): "branch \(name)"
        case .proposalBranch(let name): "proposal branch \(name)"
        }
    }

    /// Decodes ``key``.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let source = ProposalSource(key: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a proposal source: \(text)"))
        }
        self = source
    }

    /// Encodes ``key``.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(key)
    }
}

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

/// A board whose approval a proposal needs, with its roster, quorum rule and veto as they were
/// in the actual state when the proposal was created. Later board edits never change it.
public struct RequiredBoard: Sendable, Hashable, Codable {
    /// The board's name.
    public var board: String
    /// The people on the board (teams expanded), sorted.
    public var roster: [String]
    /// The board's quorum rule.
    public var quorum: Board.QuorumRule
    /// Whether one reject rejects.
    public var veto: Bool
    /// The rules that require this board (`policy/rule`).
    public var requiredBy: [String]

    /// A required board from its parts.
    public init(board: String, roster: [String], quorum: Board.QuorumRule, veto: Bool, requiredBy: [String]) {
        self.board = board
        self.roster = roster.sorted()
        self.quorum = quorum
        self.veto = veto
        self.requiredBy = requiredBy
    }

    /// The requirement routing produced, frozen.
    public init(_ requirement: BoardRequirement) {
        self.init(
            board: requirement.board, roster: Array(requirement.roster), quorum: requirement.quorum,
            veto: requirement.veto, requiredBy: requirement.requiredBy.map(\.description))
    }

    /// An empty tally of this board, without `ineligible` voters.
    public func tally(ineligible: [String: String]) -> BoardTally {
        BoardTally(board: board, rule: quorum, veto: veto, roster: Set(roster), ineligible: ineligible)
    }

    /// The quorum rule as text: `unanimous`, `majority`, `atLeast 2`, `percent 60`.
    public var quorumText: String {
        switch quorum {
        case .unanimous: "unanimous"
        case .majority: "majority"
        case .atLeast(let n): "atLeast \(n)"
        case .percent(let p): "percent \(p)"
        }
    }

    private enum CodingKeys: String, CodingKey { case board, roster, quorum, veto, requiredBy }
    private enum QuorumKeys: String, CodingKey { case rule, count, percent }

    /// Decodes the board; `quorum` has the shape of a Board's `spec.quorum` (without `veto`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        board = try c.decode(String.self, forKey: .board)
        roster = try c.decode([String].self, forKey: .roster)
        veto = try c.decode(Bool.self, forKey: .veto)
        requiredBy = try c.decode([String].self, forKey: .requiredBy)
        let q = try c.nestedContainer(keyedBy: QuorumKeys.self, forKey: .quorum)
        switch try q.decode(String.self, forKey: .rule) {
        case "unanimous": quorum = .unanimous
        case "majority": quorum = .majority
        case "atLeast": quorum = .atLeast(try q.decode(Int.self, forKey: .count))
        case "percent": quorum = .percent(try q.decode(Int.self, forKey: .percent))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .rule, in: q, debugDescription: "unknown rule \(other)")
        }
    }

    /// Encodes the board; `quorum` has the shape of a Board's `spec.quorum` (without `veto`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(board, forKey: .board)
        try c.encode(roster, forKey: .roster)
        try c.encode(veto, forKey: .veto)
        try c.encode(requiredBy, forKey: .requiredBy)
        var q = c.nestedContainer(keyedBy: QuorumKeys.self, forKey: .quorum)
        switch quorum {
        case .unanimous: try q.encode("unanimous", forKey: .rule)
        case .majority: try q.encode("majority", forKey: .rule)
        case .atLeast(let n):
            try q.encode("atLeast", forKey: .rule)
            try q.encode(n, forKey: .count)
        case .percent(let p):
            try q.encode("percent", forKey: .rule)
            try q.encode(p, forKey: .percent)
        }
    }
}

/// One entry of a proposal's state history.
public struct ProposalTransition: Sendable, Hashable, Codable {
    /// The state entered.
    public var state: ProposalState
    /// When.
    public var time: Date
    /// Why, for people: "approved by every required board (change)", "auto-approved by rule …".
    public var reason: String
    /// How many votes (accepted or refused) had been recorded when the state was entered: orders
    /// transitions among votes (a transition a vote caused comes right after that vote).
    public var afterVotes: Int

    /// A history entry.
    public init(state: ProposalState, time: Date, reason: String, afterVotes: Int) {
        self.state = state
        self.time = time
        self.reason = reason
        self.afterVotes = afterVotes
    }
}

/// A vote handed to a proposal, after the caller verified its signature (if it has one) against
/// the voter's keys in the **actual** state.
public struct ProposalVote: Sendable, Hashable, Codable {
    /// The proposal the vote names (`P-0007`), or `nil` when the caller matched it already.
    public var proposal: String?
    /// The voting Person's name.
    public var voter: String
    /// Approve, reject or abstain.
    public var decision: VoteDecision
    /// The change set the vote names: `sha256:…`.
    public var changeSetHash: String
    /// When the vote was cast (as signed).
    public var time: Date
    /// The voter's comment.
    public var comment: String?
    /// The armored SSH signature, if the vote was signed.
    public var signature: String?

    /// A vote from its parts.
    public init(
        proposal: String? = nil, voter: String, decision: VoteDecision, changeSetHash: String, time: Date,
        comment: String? = nil, signature: String? = nil
    ) {
        self.proposal = proposal
        self.voter = voter
        self.decision = decision
        self.changeSetHash = changeSetHash
        self.time = time
        self.comment = comment
        self.signature = signature
    }

    /// The vote of an unsigned document (only where the Organization allows unsigned votes).
    public init(_ document: VoteDocument) {
        self.init(
            proposal: document.proposal, voter: document.voter,
            decision: VoteDecision(rawValue: document.decision) ?? .abstain, changeSetHash: document.changeSetHash,
            time: document.date, comment: document.comment)
    }

    /// The vote of a signed vote file. Verify it first with ``SignedVote/verify(allowedKeys:)``;
    /// a vote whose signature fails goes to ``Proposal/refuse(_:because:at:)`` instead.
    public init(_ signed: SignedVote) {
        self.init(signed.document)
        signature = signed.signature
    }
}

/// A vote as a proposal keeps it: accepted or refused, with the reason. Refused votes never count
/// but are kept so they can be shown.
public struct RecordedVote: Sendable, Hashable, Codable {
    /// 1, 2, … in the order the proposal recorded its votes.
    public var sequence: Int
    /// The vote.
    public var vote: ProposalVote
    /// When the proposal recorded it.
    public var recordedAt: Date
    /// Whether it counts.
    public var accepted: Bool
    /// Why it was refused (`nil` when accepted).
    public var reason: String?

    /// A recorded vote.
    public init(sequence: Int, vote: ProposalVote, recordedAt: Date, accepted: Bool, reason: String?) {
        self.sequence = sequence
        self.vote = vote
        self.recordedAt = recordedAt
        self.accepted = accepted
        self.reason = reason
    }
}

/// Why a proposal refused a vote. `description` is the sentence recorded with the vote.
public enum ProposalVoteRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The vote names another proposal.
    case otherProposal(voted: String, proposal: ProposalID)
    /// The proposal takes no votes in its state.
    case notOpen(proposal: ProposalID, state: ProposalState)
    /// The vote names another change set (a replayed or stale vote).
    case otherChange(voted: String, proposal: String)
    /// The quorum rules refuse it: not a member, ineligible, duplicate, board or proposal decided.
    case tally(VoteRefusal)
    /// The signature is missing or does not verify (decided by the caller before recording).
    case signature(String)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .otherProposal(let voted, let id):
            return "vote is for proposal \(voted), not \(id)"
        case .notOpen(let id, let state):
            return "proposal \(id) is \(state); it takes no more votes"
        case .otherChange(let voted, let proposal):
            return "vote is for another change: \(voted) ≠ \(proposal)"
        case .tally(let refusal):
            return refusal.description
        case .signature(let reason):
            return "signature refused: \(reason)"
        }
    }
}

/// What ``Proposal/record(_:at:)`` did with a vote.
public enum ProposalVoteResult: Sendable, Hashable {
    /// The vote counts.
    case accepted
    /// The vote was recorded as refused and never counts.
    case refused(ProposalVoteRefusal)

    /// `true` for ``accepted``.
    public var isAccepted: Bool { self == .accepted }
}

/// What ``Proposal/replan(changeSetHash:head:at:)`` did.
public enum ReplanOutcome: Sendable, Hashable {
    /// The change set is unchanged: the proposal keeps its id and votes (its head may have moved).
    case kept
    /// The change set changed: the proposal is superseded and its votes lapse; the caller creates
    /// a new proposal for the new change set.
    case superseded
}

/// Everything needed to create a proposal except its id, which the store allocates.
public struct ProposalDraft: Sendable, Hashable {
    /// Where the desired state comes from.
    public var source: ProposalSource
    /// The applied revision the change set was planned against.
    public var base: String
    /// The desired revision (the branch tip).
    public var head: String
    /// Desired − actual.
    public var changeSet: ChangeSet
    /// How the actual state's policies route ``changeSet``.
    public var routing: Routing
    /// The commits in (base, head].
    public var commits: [ProposalCommit]
    /// People who may not vote on it, with the reason.
    public var ineligible: [String: String]
    /// When it is created.
    public var createdAt: Date

    /// A draft from its parts.
    public init(
        source: ProposalSource, base: String, head: String, changeSet: ChangeSet, routing: Routing,
        commits: [ProposalCommit], ineligible: [String: String], createdAt: Date
    ) {
        self.source = source
        self.base = base
        self.head = head
        self.changeSet = changeSet
        self.routing = routing
        self.commits = commits
        self.ineligible = ineligible
        self.createdAt = createdAt
    }

    /// A draft routed by the policies of `actual` (``PolicyRouter/route(_:actual:)``), whose
    /// ineligible voters are the commits' authors and agents touched in their own role
    /// (``PolicyRouter/ineligibleVoters(for:authorNames:authorEmails:actual:)``).
    public init(
        source: ProposalSource, base: String, head: String, changeSet: ChangeSet, commits: [ProposalCommit],
        actual: OrgState, createdAt: Date
    ) {
        self.init(
            source: source, base: base, head: head, changeSet: changeSet,
            routing: PolicyRouter.route(changeSet, actual: actual), commits: commits,
            ineligible: PolicyRouter.ineligibleVoters(
                for: changeSet, authorNames: Set(commits.map(\.authorName)),
                authorEmails: Set(commits.map(\.authorEmail)), actual: actual),
            createdAt: createdAt)
    }
}

/// A change set waiting for (or past) the approval of its boards: like a pull request with
/// required reviewers, bound to the exact change by its hash. A pure value; the store persists it.
///
/// - Created ``ProposalState/open``. Routing that refuses the change (a `forbid` rule, a guard, an
///   unrouted change) rejects it at once with the reasons; routing that auto-approves it approves
///   it at once ("auto-approved by rule …"). Both states are kept in ``history``. A proposal whose
///   boards can never reach quorum (every member ineligible, say) is rejected at once too.
/// - ``record(_:at:)`` takes votes; when the tally decides, the proposal moves to approved or
///   rejected by itself. Refused votes are kept with their reason.
/// - ``replan(changeSetHash:head:at:)`` keeps the proposal when the change set is unchanged and
///   supersedes it otherwise.
/// - ``transition(to:at:reason:)`` enforces the table of ``ProposalState``.
public struct Proposal: Sendable, Hashable, Codable {
    /// The readable id.
    public let id: ProposalID
    /// Where the desired state comes from.
    public let source: ProposalSource
    /// The applied revision the change set was planned against.
    public let base: String
    /// The desired revision; may move while the change set stays the same.
    public private(set) var head: String
    /// The change set's hash (`sha256:…`): votes bind to it.
    public let changeSetHash: String
    /// The changes, in change-set order.
    public let changes: [ProposalChange]
    /// The commits in (base, head]; grows when the head moves without changing the change set.
    public private(set) var commits: [ProposalCommit]
    /// The rules that routed the change set (`policy/rule`), in the order rules are tried.
    public let rules: [String]
    /// The boards that must all approve, sorted by name, frozen at creation.
    public let boards: [RequiredBoard]
    /// People who may not vote on it, with the reason; grows with the authors of commits added later.
    public private(set) var ineligible: [String: String]
    /// Whether routing auto-approved it.
    public let autoApproved: Bool
    /// Why routing refused it (non-empty means it was rejected at creation).
    public let refusals: [String]
    /// When it was created.
    public let createdAt: Date
    /// The current state.
    public private(set) var state: ProposalState
    /// Every state it entered, oldest first (the first is always `open`).
    public private(set) var history: [ProposalTransition]
    /// Every vote it was given, accepted or refused, in order.
    public private(set) var votes: [RecordedVote]
    /// The store's version of this record, for optimistic concurrency: a save of an older version
    /// is refused. 0 for a proposal the store has not seen.
    public var version: Int

    /// A new proposal `id` from `draft`, with the states its routing decides at once.
    public init(id: ProposalID, draft: ProposalDraft) {
        let routing = draft.routing
        var rules: [RuleReference] = []
        var autoRules: [RuleReference] = []
        for change in routing.changes {
            for d in change.decisions {
                if !rules.contains(d.rule) { rules.append(d.rule) }
                if d.action == .autoApprove && !autoRules.contains(d.rule) { autoRules.append(d.rule) }
            }
        }
        self.id = id
        source = draft.source
        base = draft.base
        head = draft.head
        changeSetHash = draft.changeSet.hash
        changes = draft.changeSet.changes.map { ProposalChange(id: $0.id, action: $0.action) }
        commits = draft.commits
        self.rules = rules.sorted().map(\.description)
        boards = routing.requiredBoards.map(RequiredBoard.init).sorted { $0.board < $1.board }
        ineligible = draft.ineligible
        autoApproved = routing.isAutoApproved
        refusals = routing.isRoutable ? [] : routing.errors
        createdAt = Self.milliseconds(draft.createdAt)
        state = .open
        history = [
            ProposalTransition(
                state: .open, time: createdAt,
                reason: "created from \(draft.source) at \(Self.short(draft.head))", afterVotes: 0)
        ]
        votes = []
        version = 0

        if !refusals.isEmpty {
            move(to: .rejected, at: createdAt, reason: "refused by policy: " + refusals.joined(separator: "; "))
        } else if autoApproved {
            let reason =
                autoRules.isEmpty
                ? "auto-approved: no change needs approval"
                : "auto-approved by rule \(autoRules.sorted().map(\.description).joined(separator: ", "))"
            move(to: .approved, at: createdAt, reason: reason)
        } else {
            settle(at: createdAt)
        }
    }

    /// The authors of ``commits``, without duplicates, sorted.
    public var authors: [ProposalAuthor] {
        Set(commits.map { ProposalAuthor(name: $0.authorName, email: $0.authorEmail) }).sorted()
    }

    /// The names of the required boards, sorted.
    public var boardNames: [String] { boards.map(\.board) }

    /// The tally of the accepted votes, replayed in order over the boards' frozen rosters.
    public var tally: ProposalTally {
        var t = ProposalTally(boards: boards.map { $0.tally(ineligible: ineligible) })
        for v in votes where v.accepted { t.record(v.vote.decision, by: v.vote.voter) }
        return t
    }

    /// What happened or what is still needed: the tally's explanation while open, else the reason
    /// of the last transition.
    public var explanation: String {
        state == .open ? tally.explanation : history.last?.reason ?? ""
    }

    /// When the proposal entered its current state.
    public var stateChangedAt: Date { history.last?.time ?? createdAt }

    /// Moves to `next`, recording `reason`. Only the transitions of ``ProposalState`` are allowed,
    /// and `open → approved` only when every board approved or routing auto-approved it; votes
    /// normally make that move by themselves (``record(_:at:)``).
    public mutating func transition(to next: ProposalState, at time: Date, reason: String) throws(ProposalError) {
        guard state.canMove(to: next) else { throw .invalidTransition(proposal: id, from: state, to: next) }
        if state == .open && next == .approved && !autoApproved {
            let tally = self.tally
            guard tally.outcome == .approved else { throw .notApproved(proposal: id, explanation: tally.explanation) }
        }
        move(to: next, at: time, reason: reason)
    }

    /// Why `vote` would be refused, or `nil` when it counts: it names another proposal, the
    /// proposal is not open, it names another change set, or the tally refuses it.
    public func check(_ vote: ProposalVote) -> ProposalVoteRefusal? {
        if let named = vote.proposal, named != id.description { return .otherProposal(voted: named, proposal: id) }
        guard state == .open else { return .notOpen(proposal: id, state: state) }
        guard vote.changeSetHash == changeSetHash else {
            return .otherChange(voted: vote.changeSetHash, proposal: changeSetHash)
        }
        return tally.check(vote.decision, by: vote.voter).refusal.map(ProposalVoteRefusal.tally)
    }

    /// Records `vote` (its signature, if any, already verified by the caller) at `time`. An accepted
    /// vote updates the tally, and when the tally decides the proposal moves to approved or
    /// rejected. A refused vote is kept with its reason and changes nothing else.
    @discardableResult
    public mutating func record(_ vote: ProposalVote, at time: Date) -> ProposalVoteResult {
        if let refusal = check(vote) {
            refuse(vote, because: refusal, at: time)
            return .refused(refusal)
        }
        var vote = vote
        vote.time = Self.milliseconds(vote.time)
        votes.append(
            RecordedVote(
                sequence: votes.count + 1, vote: vote, recordedAt: Self.milliseconds(time), accepted: true,
                reason: nil))
        settle(at: time)
        return .accepted
    }

    /// Records `vote` as refused for `refusal`, such as a signature that does not verify
    /// (``ProposalVoteRefusal/signature(_:)``). It never counts.
    public mutating func refuse(_ vote: ProposalVote, because refusal: ProposalVoteRefusal, at time: Date) {
        var vote = vote
        vote.time = Self.milliseconds(vote.time)
        votes.append(
            RecordedVote(
                sequence: votes.count + 1, vote: vote, recordedAt: Self.milliseconds(time), accepted: false,
                reason: refusal.description))
    }

    /// Re-plans after the desired state moved to `head` whose change set has `changeSetHash`. The
    /// same hash keeps the proposal, its id and its votes, and moves its head. Another hash
    /// supersedes an open proposal (its votes lapse); the caller then creates a new one. An
    /// approved proposal cannot be superseded (apply it or let it fail first); a final one cannot be
    /// re-planned at all.
    ///
    /// When the head moves and the change set stays, `newCommits` (the commits in (old head, new
    /// head]) join ``commits`` and `newlyIneligible` (their authors, say) joins ``ineligible`` while
    /// the proposal is open, so pushing an empty commit on top of someone else's change does not let
    /// its author vote on it. An ineligible voter's earlier vote stops counting in the tally.
    public mutating func replan(
        changeSetHash newHash: String, head newHead: String, newCommits: [ProposalCommit] = [],
        newlyIneligible: [String: String] = [:], at time: Date
    ) throws(ProposalError)
        -> ReplanOutcome
    {
        guard !state.isFinal else { throw .closed(proposal: id, state: state) }
        if newHash == changeSetHash {
            if newHead != head {
                commits += newCommits.filter { c in !commits.contains(c) }
                if state == .open {
                    ineligible.merge(newlyIneligible) { old, _ in old }
                    settle(at: time)
                }
            }
            head = newHead
            return .kept
        }
        try transition(
            to: .superseded, at: time,
            reason: "superseded: \(Self.short(newHead)) has another change set (\(newHash))")
        return .superseded
    }

    /// Moves to the approved or rejected state when the tally is decided and the proposal is open.
    private mutating func settle(at time: Date) {
        guard state == .open else { return }
        let status = tally.status
        switch status.outcome {
        case .approved: move(to: .approved, at: time, reason: status.explanation)
        case .rejected: move(to: .rejected, at: time, reason: status.explanation)
        case .pending: break
        }
    }

    private mutating func move(to next: ProposalState, at time: Date, reason: String) {
        state = next
        history.append(
            ProposalTransition(state: next, time: Self.milliseconds(time), reason: reason, afterVotes: votes.count))
    }

    /// `date` rounded to the millisecond, computed as seconds since 1970 so that it survives a
    /// round trip through a stored document exactly. Every time a proposal records is rounded so.
    public static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(Int64((date.timeIntervalSince1970 * 1000).rounded())) / 1000)
    }

    /// A commit id shortened for messages.
    static func short(_ revision: String) -> String { String(revision.prefix(12)) }
}
