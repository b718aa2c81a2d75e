import CharterGovernance
import CharterModel
import CharterPlan
import Foundation
import Testing

/// Proposals built from hand-made routings, so each test shows exactly which boards are required.
enum ProposalFixture {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000.123)

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// A change set creating Person `name` with display name `display`.
    static func changes(_ name: String = "sam", display: String = "Sam") -> ChangeSet {
        ChangeSet(changes: [
            ResourceChange(
                id: ResourceID(.person, name), action: .create, old: nil,
                new: ["metadata": ["name": .string(name)], "spec": ["displayName": .string(display)]], fields: [],
                source: nil)
        ])
    }

    static let peopleRule = RuleReference(policy: "change-control", rule: "people", index: 1)
    static let toggleRule = RuleReference(policy: "change-control", rule: "self-service", index: 0)
    static let forbidRule = RuleReference(policy: "change-control", rule: "keep-the-organization", index: 2)

    /// The change board: priya, jonas, tomasz, lena; at least 2, with veto when asked.
    static func changeBoard(veto: Bool = false, quorum: Board.QuorumRule = .atLeast(2)) -> BoardRequirement {
        BoardRequirement(
            board: "change", roster: ["priya", "jonas", "tomasz", "lena"], quorum: quorum, veto: veto,
            requiredBy: [peopleRule], changes: [ResourceID(.person, "sam")], liftedGuards: [])
    }

    static func execBoard() -> BoardRequirement {
        BoardRequirement(
            board: "exec", roster: ["maria", "jonas"], quorum: .unanimous, veto: false, requiredBy: [peopleRule],
            changes: [ResourceID(.person, "sam")], liftedGuards: [])
    }

    /// A routing of `changes` requiring `boards` by rule `people`.
    static func requiring(_ boards: [BoardRequirement], _ changes: ChangeSet = changes()) -> Routing {
        Routing(
            changes: changes.changes.map {
                RoutedChange(
                    id: $0.id, operation: $0.action,
                    decisions: [
                        RuleDecision(rule: peopleRule, action: .require, boards: boards.map(\.board), allowGuards: [])
                    ])
            },
            requiredBoards: boards.sorted { $0.board < $1.board }, forbidden: [], unrouted: [], guardViolations: [])
    }

    static func autoApproving(_ changes: ChangeSet = changes()) -> Routing {
        Routing(
            changes: changes.changes.map {
                RoutedChange(
                    id: $0.id, operation: $0.action,
                    decisions: [RuleDecision(rule: toggleRule, action: .autoApprove, boards: [], allowGuards: [])])
            },
            requiredBoards: [], forbidden: [], unrouted: [], guardViolations: [])
    }

    static func forbidding(_ changes: ChangeSet = changes()) -> Routing {
        let id = changes.changes[0].id
        return Routing(
            changes: [
                RoutedChange(
                    id: id, operation: .create,
                    decisions: [RuleDecision(rule: forbidRule, action: .forbid, boards: [], allowGuards: [])])
            ],
            requiredBoards: [],
            forbidden: [
                Refusal(
                    cause: .forbiddenByRule(forbidRule), changes: [id],
                    message: "create of \(id) is forbidden by rule `\(forbidRule)`")
            ], unrouted: [], guardViolations: [])
    }

    static func draft(
        _ routing: Routing, changes: ChangeSet = changes(), source: ProposalSource = .branch("main"),
        head: String = "1111111111111111111111111111111111111111", ineligible: [String: String] = [:],
        commits: [ProposalCommit] = [
            ProposalCommit(
                id: "1111111111111111111111111111111111111111", authorName: "Maria Santos",
                authorEmail: "maria@acme.example", summary: "Add Sam")
        ]
    ) -> ProposalDraft {
        ProposalDraft(
            source: source, base: "0000000000000000000000000000000000000000", head: head, changeSet: changes,
            routing: routing, commits: commits, ineligible: ineligible, createdAt: t0)
    }

    static func open(_ boards: [BoardRequirement] = [changeBoard()], ineligible: [String: String] = [:]) -> Proposal {
        Proposal(id: ProposalID(number: 1), draft: draft(requiring(boards), ineligible: ineligible))
    }

    static func vote(
        _ voter: String, _ decision: VoteDecision = .approve, hash: String? = nil, proposal: String? = nil
    ) -> ProposalVote {
        ProposalVote(
            proposal: proposal, voter: voter, decision: decision, changeSetHash: hash ?? changes().hash, time: at(30),
            comment: "looks right")
    }

    /// A proposal brought into `state` the way the controller would.
    static func proposal(in state: ProposalState) throws -> Proposal {
        var p = open()
        switch state {
        case .open:
            break
        case .approved:
            p.record(vote("priya"), at: at(60))
            p.record(vote("jonas"), at: at(61))
        case .rejected:
            p = Proposal(id: ProposalID(number: 1), draft: draft(forbidding()))
        case .superseded:
            _ = try p.replan(changeSetHash: changes("other").hash, head: "2222", at: at(60))
        case .applied, .failed:
            p = Proposal(id: ProposalID(number: 1), draft: draft(autoApproving()))
            try p.transition(to: state, at: at(60), reason: "the controller says so")
        }
        #expect(p.state == state)
        return p
    }
}

@Suite struct ProposalTests {
    typealias F = ProposalFixture

    @Test func idsAreReadableAndStrict() throws {
        #expect(ProposalID(number: 7).description == "P-0007")
        #expect(ProposalID(number: 12345).description == "P-12345")
        #expect(ProposalID("P-0042") == ProposalID(number: 42))
        #expect(ProposalID("P-12345")?.number == 12345)
        for bad in ["P-42", "P-00042", "p-0042", "P-0000", "P--001", "P-+042", "P-0042 ", "0042", ""] {
            #expect(ProposalID(bad) == nil, "\(bad)")
        }
        #expect(ProposalID(number: 9) < ProposalID(number: 10))
        #expect(ProposalSource(key: ProposalSource.branch("main").key) == .branch("main"))
        #expect(ProposalSource(key: "proposal:fix-typo") == .proposalBranch("fix-typo"))
        #expect(ProposalSource(key: "tag:v1") == nil)
    }

    @Test func theTransitionTableIsExactlyTheDocumentedOne() {
        let allowed: [ProposalState: Set<ProposalState>] = [
            .open: [.approved, .rejected, .superseded], .approved: [.applied, .failed],
        ]
        for from in ProposalState.allCases {
            for to in ProposalState.allCases {
                #expect(from.canMove(to: to) == (allowed[from]?.contains(to) ?? false), "\(from) → \(to)")
            }
            #expect(from.isFinal == (allowed[from] == nil))
        }
    }

    @Test(arguments: ProposalState.allCases)
    func everyTransitionFrom(_ from: ProposalState) throws {
        for to in ProposalState.allCases {
            var p = try F.proposal(in: from)
            let before = p
            do {
                try p.transition(to: to, at: F.at(120), reason: "test")
                #expect(from.canMove(to: to), "\(from) → \(to) must be refused")
                #expect(p.state == to)
                #expect(
                    p.history.last
                        == ProposalTransition(state: to, time: F.at(120), reason: "test", afterVotes: p.votes.count))
                #expect(p.history.count == before.history.count + 1)
            } catch .invalidTransition(let id, let f, let t) {
                #expect(!from.canMove(to: to), "\(from) → \(to) must be allowed")
                #expect((id, f, t) == (p.id, from, to))
                #expect(p == before, "a refused transition changes nothing")
            } catch .notApproved {
                // open → approved is in the table, but only the boards' votes may take it.
                #expect(from == .open && to == .approved)
                #expect(p == before)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func transitionErrorsNameBothStates() throws {
        var applied = try F.proposal(in: .applied)
        #expect(throws: ProposalError.invalidTransition(proposal: ProposalID(number: 1), from: .applied, to: .open)) {
            try applied.transition(to: .open, at: F.at(1), reason: "")
        }
        let final = ProposalError.invalidTransition(proposal: ProposalID(number: 1), from: .applied, to: .open)
        #expect(final.description == "proposal P-0001 cannot move from applied to open (applied is final)")
        let open = ProposalError.invalidTransition(proposal: ProposalID(number: 3), from: .open, to: .applied)
        #expect(
            open.description
                == "proposal P-0003 cannot move from open to applied (open may only move to approved, rejected, superseded)"
        )
        var p = F.open()
        #expect(throws: ProposalError.self) { try p.transition(to: .approved, at: F.at(1), reason: "please") }
        #expect(p.state == .open)
    }

    @Test func aNewProposalRecordsItsOriginAndFrozenBoards() {
        let p = F.open([F.changeBoard(veto: true), F.execBoard()], ineligible: ["maria": "authored a commit"])
        #expect(p.id.description == "P-0001")
        #expect(p.state == .open)
        #expect(p.source == .branch("main"))
        #expect(p.changeSetHash == F.changes().hash)
        #expect(p.changes == [ProposalChange(id: ResourceID(.person, "sam"), action: .create)])
        #expect(p.changes[0].description == "+ Person/sam")
        #expect(p.rules == ["change-control/people"])
        #expect(p.boardNames == ["change", "exec"])
        #expect(p.boards[0].roster == ["jonas", "lena", "priya", "tomasz"])
        #expect(p.boards[0].quorum == .atLeast(2) && p.boards[0].veto)
        #expect(p.boards[0].requiredBy == ["change-control/people"])
        #expect(p.authors == [ProposalAuthor(name: "Maria Santos", email: "maria@acme.example")])
        #expect(p.history.map(\.state) == [.open])
        #expect(p.history[0].reason == "created from branch main at 111111111111")
        #expect(p.createdAt == Proposal.milliseconds(F.t0))
        #expect(p.explanation.contains("board change: needs 2 more approvals from: jonas, lena, priya, tomasz"))
        #expect(!p.autoApproved && p.refusals.isEmpty)
    }

    @Test func autoApprovedIsOpenedAndApprovedAtOnce() {
        let p = Proposal(id: ProposalID(number: 2), draft: F.draft(F.autoApproving()))
        #expect(p.state == .approved)
        #expect(p.autoApproved)
        #expect(p.history.map(\.state) == [.open, .approved])
        #expect(p.history[1].reason == "auto-approved by rule change-control/self-service")
        #expect(p.boards.isEmpty)
        #expect(p.rules == ["change-control/self-service"])
        let empty = ChangeSet(changes: [])
        let nothing = Proposal(
            id: ProposalID(number: 3),
            draft: F.draft(
                Routing(changes: [], requiredBoards: [], forbidden: [], unrouted: [], guardViolations: []),
                changes: empty))
        #expect(nothing.state == .approved)
        #expect(nothing.history[1].reason == "auto-approved: no change needs approval")
    }

    @Test func forbiddenAndUnroutedAreRejectedAtCreationWithTheReasons() {
        let p = Proposal(id: ProposalID(number: 4), draft: F.draft(F.forbidding()))
        #expect(p.state == .rejected)
        #expect(p.history.map(\.state) == [.open, .rejected])
        #expect(p.refusals == ["create of Person/sam is forbidden by rule `change-control/keep-the-organization`"])
        #expect(
            p.history[1].reason
                == "refused by policy: create of Person/sam is forbidden by rule `change-control/keep-the-organization`"
        )
        #expect(p.explanation == p.history[1].reason)

        let unrouted = Routing(
            changes: [RoutedChange(id: ResourceID(.person, "sam"), operation: .create, decisions: [])],
            requiredBoards: [], forbidden: [], unrouted: [ResourceID(.person, "sam")], guardViolations: [])
        let q = Proposal(id: ProposalID(number: 5), draft: F.draft(unrouted))
        #expect(q.state == .rejected)
        #expect(q.refusals.count == 1 && q.refusals[0].contains("no policy rule matches"))
    }

    @Test func aBoardThatCannotReachQuorumRejectsAtCreation() {
        let p = F.open([F.execBoard()], ineligible: ["maria": "authored a commit in this change"])
        #expect(p.state == .open, "jonas alone can still approve a unanimous board of the eligible")
        let q = F.open(
            [F.execBoard()],
            ineligible: ["maria": "authored a commit in this change", "jonas": "authored a commit in this change"])
        #expect(q.state == .rejected)
        #expect(q.history[1].reason.contains("cannot reach quorum"))
    }

    @Test func votesAreAcceptedUntilTheTallyDecidesThenApprove() throws {
        var p = F.open()
        #expect(p.record(F.vote("priya"), at: F.at(60)) == .accepted)
        #expect(p.state == .open)
        #expect(p.explanation.contains("needs 1 more approval"))
        #expect(p.record(F.vote("jonas", .abstain), at: F.at(61)) == .accepted)
        #expect(p.record(F.vote("jonas"), at: F.at(62)) == .accepted, "a member may change the vote until decided")
        #expect(p.state == .approved)
        #expect(p.history.map(\.state) == [.open, .approved])
        #expect(p.history[1].reason == "approved by every required board (change)")
        #expect(p.history[1].time == Proposal.milliseconds(F.at(62)))
        #expect(p.history[1].afterVotes == 3)
        #expect(p.votes.map(\.accepted) == [true, true, true])
        #expect(p.votes.map(\.sequence) == [1, 2, 3])
        #expect(p.tally.outcome == .approved)

        let late = p.record(F.vote("lena"), at: F.at(63))
        #expect(late == .refused(.notOpen(proposal: p.id, state: .approved)))
        #expect(p.votes.last?.accepted == false)
        #expect(p.votes.last?.reason == "proposal P-0001 is approved; it takes no more votes")
        #expect(p.state == .approved)

        try p.transition(to: .applied, at: F.at(70), reason: "applied at 1111111")
        #expect(p.history.map(\.state) == [.open, .approved, .applied])
    }

    @Test func aRejectOnAVetoBoardRejectsAtOnce() {
        var p = F.open([F.changeBoard(veto: true)])
        #expect(p.record(F.vote("priya"), at: F.at(60)) == .accepted)
        #expect(p.record(F.vote("tomasz", .reject), at: F.at(61)) == .accepted)
        #expect(p.state == .rejected)
        #expect(p.history[1].reason == "board change rejected: vetoed by tomasz")
        #expect(p.record(F.vote("jonas"), at: F.at(62)) == .refused(.notOpen(proposal: p.id, state: .rejected)))
    }

    @Test func everyBoardMustApprove() {
        var p = F.open([F.changeBoard(), F.execBoard()])
        p.record(F.vote("priya"), at: F.at(1))
        p.record(F.vote("jonas"), at: F.at(2))  // on both boards: change is approved, exec waits for maria
        #expect(p.state == .open)
        #expect(p.explanation.contains("board exec: needs 1 more approval from: maria"))
        p.record(F.vote("maria"), at: F.at(3))
        #expect(p.state == .approved)
    }

    @Test func aVoteForAnotherChangeIsRefusedAndKept() {
        var p = F.open()
        let other = F.changes("other").hash
        let result = p.record(F.vote("priya", hash: other), at: F.at(60))
        #expect(result == .refused(.otherChange(voted: other, proposal: p.changeSetHash)))
        #expect(p.votes.count == 1)
        #expect(p.votes[0].accepted == false)
        #expect(p.votes[0].reason == "vote is for another change: \(other) ≠ \(p.changeSetHash)")
        #expect(p.tally.status.boards[0].counts.approvals == 0, "a refused vote never counts")
        #expect(p.state == .open)

        let elsewhere = p.record(F.vote("priya", proposal: "P-0002"), at: F.at(61))
        #expect(elsewhere == .refused(.otherProposal(voted: "P-0002", proposal: p.id)))
        #expect(p.votes[1].reason == "vote is for proposal P-0002, not P-0001")
        #expect(p.record(F.vote("priya", proposal: "P-0001"), at: F.at(62)) == .accepted)
    }

    @Test func tallyRefusalsAreKeptWithTheirReasons() {
        var p = F.open([F.changeBoard()], ineligible: ["lena": "authored a commit in this change"])
        #expect(p.record(F.vote("sam"), at: F.at(1)) == .refused(.tally(.notAMember(voter: "sam", boards: ["change"]))))
        #expect(
            p.record(F.vote("lena"), at: F.at(2))
                == .refused(.tally(.ineligible(voter: "lena", reason: "authored a commit in this change"))))
        #expect(p.record(F.vote("priya"), at: F.at(3)) == .accepted)
        #expect(p.record(F.vote("priya"), at: F.at(4)) == .refused(.tally(.duplicate(voter: "priya", .approve))))
        p.refuse(F.vote("jonas"), because: .signature("no key of jonas made this signature"), at: F.at(5))
        #expect(p.votes.map(\.accepted) == [false, false, true, false, false])
        #expect(
            p.votes.compactMap(\.reason) == [
                "sam is not a member of board change",
                "lena cannot vote on this change: authored a commit in this change",
                "priya already voted approve",
                "signature refused: no key of jonas made this signature",
            ])
        #expect(p.votes[4].vote.comment == "looks right")
        #expect(p.state == .open)
        #expect(p.tally.status.boards[0].approvedBy == ["priya"])
    }

    @Test func replanKeepsAnUnchangedChangeWithItsVotes() throws {
        var p = F.open()
        p.record(F.vote("priya"), at: F.at(1))
        let outcome = try p.replan(changeSetHash: p.changeSetHash, head: "2222222222222222", at: F.at(2))
        #expect(outcome == .kept)
        #expect(p.head == "2222222222222222")
        #expect(p.id == ProposalID(number: 1))
        #expect(p.state == .open)
        #expect(p.votes.count == 1)
        p.record(F.vote("jonas"), at: F.at(3))
        #expect(p.state == .approved, "votes cast before the head moved still count")
        #expect(try p.replan(changeSetHash: p.changeSetHash, head: "3333", at: F.at(4)) == .kept)
    }

    @Test func replanSupersedesAChangedChangeAndItsVotesLapse() throws {
        var p = F.open()
        p.record(F.vote("priya"), at: F.at(1))
        let newHash = F.changes("sam", display: "Samuel").hash
        #expect(try p.replan(changeSetHash: newHash, head: "2222222222222222", at: F.at(2)) == .superseded)
        #expect(p.state == .superseded)
        #expect(p.head == "1111111111111111111111111111111111111111", "a superseded proposal keeps its head")
        #expect(p.history.last?.reason == "superseded: 222222222222 has another change set (\(newHash))")
        let late = p.record(F.vote("jonas"), at: F.at(3))
        #expect(late == .refused(.notOpen(proposal: p.id, state: .superseded)))
        #expect(p.votes.last?.reason == "proposal P-0001 is superseded; it takes no more votes")
        #expect(throws: ProposalError.closed(proposal: p.id, state: .superseded)) {
            try p.replan(changeSetHash: newHash, head: "4444", at: F.at(4))
        }
    }

    @Test func anApprovedProposalIsAppliedOrFailsButIsNeverSuperseded() throws {
        var p = try F.proposal(in: .approved)
        #expect(try p.replan(changeSetHash: p.changeSetHash, head: "5555", at: F.at(100)) == .kept)
        #expect(throws: ProposalError.invalidTransition(proposal: p.id, from: .approved, to: .superseded)) {
            try p.replan(changeSetHash: F.changes("x").hash, head: "6666", at: F.at(101))
        }
        #expect(p.state == .approved)
    }

    @Test func roundTripsThroughJSON() throws {
        var p = F.open([F.changeBoard(veto: true), F.execBoard()], ineligible: ["lena": "authored"])
        p.record(F.vote("priya"), at: F.at(1.0004))
        p.refuse(F.vote("sam"), because: .signature("bad"), at: F.at(2))
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Double(Int64((date.timeIntervalSince1970 * 1000).rounded())) / 1000)
        }
        let data = try encoder.encode(p)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let back = try decoder.decode(Proposal.self, from: data)
        #expect(back == p)
        #expect(back.tally == p.tally)
        for rule in [Board.QuorumRule.unanimous, .majority, .atLeast(3), .percent(60)] {
            let board = RequiredBoard(board: "b", roster: ["y", "x"], quorum: rule, veto: false, requiredBy: [])
            #expect(try JSONDecoder().decode(RequiredBoard.self, from: JSONEncoder().encode(board)) == board)
        }
    }

    @Test func aDraftFromTheActualStateFreezesRostersAndExcludesAuthors() throws {
        let org = """
            apiVersion: charter/v1
            kind: Organization
            metadata: {name: acme}
            spec: {displayName: Acme}
            ---
            apiVersion: charter/v1
            kind: Person
            metadata: {name: maria}
            spec: {displayName: Maria Santos, email: maria@acme.example}
            ---
            apiVersion: charter/v1
            kind: Person
            metadata: {name: jonas}
            spec: {displayName: Jonas Weber, email: jonas@acme.example}
            ---
            apiVersion: charter/v1
            kind: Person
            metadata: {name: priya}
            spec: {displayName: Priya Raman, email: priya@acme.example}
            ---
            apiVersion: charter/v1
            kind: Board
            metadata: {name: change}
            spec:
              displayName: Change Board
              members: [{person: maria}, {person: jonas}, {person: priya}]
              quorum: {rule: majority}
            ---
            apiVersion: charter/v1
            kind: Policy
            metadata: {name: change-control}
            spec:
              changeRules:
                - {name: default, action: require, boards: [change]}
            """
        let actual = try Loader.load([SourceFile(path: "org.yaml", contents: .bytes(Array(org.utf8)))]).get()
        let commits = [ProposalCommit(id: "abc", authorName: "someone", authorEmail: "MARIA@acme.example")]
        let draft = ProposalDraft(
            source: .proposalBranch("add-sam"), base: "0", head: "abc", changeSet: F.changes(), commits: commits,
            actual: actual, createdAt: F.t0)
        var p = Proposal(id: ProposalID(number: 9), draft: draft)
        #expect(
            p.boards == [
                RequiredBoard(
                    board: "change", roster: ["jonas", "maria", "priya"], quorum: .majority, veto: false,
                    requiredBy: ["change-control/default"])
            ])
        #expect(p.ineligible["maria"]?.hasPrefix("authored a commit in this change") == true)
        #expect(p.rules == ["change-control/default"])
        #expect(p.record(F.vote("maria"), at: F.at(1)) != .accepted)
        #expect(p.record(F.vote("jonas"), at: F.at(2)) == .accepted)
        #expect(p.state == .open, "majority of the 2 eligible members is 2")
        #expect(p.record(F.vote("priya"), at: F.at(3)) == .accepted)
        #expect(p.state == .approved)
    }
}
