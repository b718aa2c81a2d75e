import CharterGovernance
import CharterModel
import CharterPlan
import CharterStore
import Foundation
import GRDB
import Testing

/// Proposals persisted in a real SQLite file in a temporary directory.
enum ProposalStoreFixture {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000.123)

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    static let rule = RuleReference(policy: "change-control", rule: "people", index: 0)

    /// A change set creating Person `name`, with a source location and an update beside it, so the
    /// stored change set has every part (old and new documents, fields, absent and null values).
    static func changes(_ name: String = "sam", display: String = "Sam") -> ChangeSet {
        ChangeSet(changes: [
            ResourceChange(
                id: ResourceID(.person, name), action: .create, old: nil,
                new: ["metadata": ["name": .string(name)], "spec": ["displayName": .string(display)]], fields: [],
                source: SourceLocation(file: "people/\(name).yaml", documentIndex: 0, line: 1, column: 1)),
            ResourceChange(
                id: ResourceID(.team, "core"), action: .update,
                old: ["spec": ["displayName": "Core", "description": .null]],
                new: ["spec": ["displayName": "Core Team", "lead": "ada"]],
                fields: [
                    FieldChange(path: JSONPointer("/spec/description"), old: .null, new: nil),
                    FieldChange(path: JSONPointer("/spec/displayName"), old: "Core", new: "Core Team"),
                    FieldChange(path: JSONPointer("/spec/lead"), old: nil, new: "ada"),
                ], source: nil),
        ])
    }

    static func routing(_ changes: ChangeSet, action: RuleAction = .require) -> Routing {
        let boards =
            action == .require
            ? [
                BoardRequirement(
                    board: "change", roster: ["priya", "jonas", "tomasz"], quorum: .atLeast(2), veto: true,
                    requiredBy: [rule], changes: changes.changes.map(\.id), liftedGuards: [])
            ] : []
        let forbidden =
            action == .forbid
            ? [Refusal(cause: .forbiddenByRule(rule), changes: [], message: "forbidden by rule `\(rule)`")] : []
        return Routing(
            changes: changes.changes.map {
                RoutedChange(
                    id: $0.id, operation: $0.action,
                    decisions: [
                        RuleDecision(rule: rule, action: action, boards: boards.map(\.board), allowGuards: [])
                    ])
            }, requiredBoards: boards, forbidden: forbidden, unrouted: [], guardViolations: [])
    }

    static func draft(
        _ changes: ChangeSet = changes(), action: RuleAction = .require, source: ProposalSource = .branch("main"),
        head: String = "1111111111111111111111111111111111111111", at time: Date = t0
    ) -> ProposalDraft {
        ProposalDraft(
            source: source, base: "0000000000000000000000000000000000000000", head: head, changeSet: changes,
            routing: routing(changes, action: action),
            commits: [
                ProposalCommit(id: head, authorName: "Lena Fischer", authorEmail: "lena@acme.example", summary: "edit")
            ], ineligible: ["tomasz": "an agent cannot approve changes to its own role `x`"], createdAt: time)
    }

    static func vote(_ voter: String, _ decision: VoteDecision = .approve, hash: String? = nil) -> ProposalVote {
        ProposalVote(
            voter: voter, decision: decision, changeSetHash: hash ?? changes().hash, time: at(10), comment: "ok",
            signature: "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----")
    }

    static func stale(_ error: ProposalStoreError) -> Bool {
        if case .stale = error { return true }
        return false
    }
}

@Suite struct ProposalStoreTests {
    typealias F = ProposalStoreFixture

    @Test func createAllocatesIncreasingIdsThatSurviveARestart() throws {
        let dir = temporaryDirectory()
        do {
            let store = try StateStore(directory: dir)
            let p1 = try store.createProposal(F.draft())
            #expect(p1.id.description == "P-0001")
            #expect(p1.version == 1)
            #expect(p1.state == .open)
            var superseded = p1
            #expect(
                try superseded.replan(changeSetHash: F.changes("ada").hash, head: "2222", at: F.at(5)) == .superseded)
            let p2 = try store.createProposal(
                F.draft(F.changes("ada"), head: "2222", at: F.at(5)), saving: [superseded])
            #expect(p2.id.description == "P-0002")
            #expect(try store.proposal(id: p1.id)?.state == .superseded)
        }
        // Another process opening the same file continues the numbering.
        let reopened = try StateStore(directory: dir)
        let p3 = try reopened.createProposal(F.draft(F.changes("bob"), action: .forbid, head: "3333"))
        #expect(p3.id.description == "P-0003")
        #expect(try reopened.proposals().map(\.id.description) == ["P-0001", "P-0002", "P-0003"])
        #expect(try reopened.proposal(id: ProposalID(number: 4)) == nil)
    }

    @Test func aFailedCreateWritesNothingAndUsesUpNoId() throws {
        let store = try StateStore(directory: temporaryDirectory())
        let first = try store.createProposal(F.draft())
        let events = try store.events()
        // A second open proposal for the same source is refused…
        #expect {
            try store.createProposal(F.draft(F.changes("ada"), head: "2222"))
        } throws: { error in
            guard case ProposalStoreError.invalid(_, let message) = error else { return false }
            return message == "P-0001 is still the open proposal of branch main; supersede it first"
        }
        // …and so is a create that saves a stale copy of another proposal first.
        var saved = first
        saved.record(F.vote("priya"), at: F.at(1))
        try store.save(saved)
        var staleCopy = first
        _ = try staleCopy.replan(changeSetHash: F.changes("ada").hash, head: "2222", at: F.at(2))
        #expect {
            try store.createProposal(F.draft(F.changes("ada"), head: "2222"), saving: [staleCopy])
        } throws: { error in F.stale(error as! ProposalStoreError) }
        #expect(try store.proposals().map(\.id) == [first.id])
        #expect(try store.proposal(id: first.id)?.state == .open)
        #expect(try store.events().count == events.count + 1, "only the vote's event")

        // A create that fails after saving another proposal rolls that save back too.
        var fresh = try #require(try store.proposal(id: first.id))
        #expect(fresh.record(F.vote("sam"), at: F.at(3)) != .accepted)
        #expect(fresh.state == .open)
        #expect(throws: ProposalStoreError.self) {
            try store.createProposal(F.draft(F.changes("ada"), head: "2222"), saving: [fresh])
        }
        #expect(try store.votes(ofProposal: first.id).map(\.vote.voter) == ["priya"])
        #expect(try store.proposal(id: first.id)?.version == 2)

        // Another source may have its own open proposal, and the numbering has no gap.
        let other = try store.createProposal(F.draft(F.changes("ada"), source: .proposalBranch("add-ada")))
        #expect(other.id.description == "P-0002")
    }

    @Test func numbersAreNeverReusedEvenWhenRowsDisappear() throws {
        let dir = temporaryDirectory()
        let store = try StateStore(directory: dir)
        _ = try store.createProposal(F.draft(action: .forbid))
        _ = try store.createProposal(F.draft(action: .forbid))
        // Even if the rows were lost (an operator deleting them by hand), the counter stays.
        let queue = try DatabaseQueue(path: store.path)
        try queue.write { db in try db.execute(sql: "DELETE FROM proposal") }
        #expect(try StateStore(directory: dir).proposals().isEmpty)
        #expect(try StateStore(directory: dir).createProposal(F.draft(action: .forbid)).id.description == "P-0003")
    }

    @Test func votesTransitionsAndEventsArePersistedInOrder() throws {
        let dir = temporaryDirectory()
        let store = try StateStore(directory: dir)
        var p = try store.createProposal(F.draft(), actor: "controller")
        #expect(p.record(F.vote("priya"), at: F.at(10)) == .accepted)
        #expect(p.record(F.vote("sam"), at: F.at(11)) != .accepted)
        p.refuse(F.vote("jonas"), because: .signature("no key of jonas made it"), at: F.at(12))
        p = try store.save(p)
        #expect(p.version == 2)
        #expect(p.state == .open)
        #expect(p.record(F.vote("jonas"), at: F.at(13)) == .accepted)
        #expect(p.state == .approved)
        #expect(p.record(F.vote("tomasz", .reject), at: F.at(14)) != .accepted)
        p = try store.save(p)
        try p.transition(to: .applied, at: F.at(20), reason: "applied revision 1111111")
        p = try store.save(p, actor: "controller")
        #expect(p.version == 4)

        let reopened = try StateStore(directory: dir)
        let back = try #require(try reopened.proposal(id: p.id))
        #expect(back == p)
        #expect(back.history.map(\.state) == [.open, .approved, .applied])
        #expect(try reopened.proposals(state: .applied).map(\.id) == [p.id])
        #expect(try reopened.proposals(state: .open).isEmpty)

        let votes = try reopened.votes(ofProposal: p.id)
        #expect(votes.map(\.vote.voter) == ["priya", "sam", "jonas", "jonas", "tomasz"])
        #expect(votes.map(\.accepted) == [true, false, false, true, false])
        #expect(
            votes.map(\.reason) == [
                nil, "sam is not a member of board change", "signature refused: no key of jonas made it", nil,
                "proposal P-0001 is approved; it takes no more votes",
            ])
        #expect(votes[0].vote.signature == F.vote("x").signature)
        #expect(votes[0].vote.comment == "ok")
        #expect(votes[0].vote.time == Proposal.milliseconds(F.at(10)))
        #expect(votes.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(votes.map(\.accepted) == back.votes.map(\.accepted))

        let events = try reopened.events()
        #expect(
            events.map(\.type) == [
                "proposal.created", "vote.accepted", "vote.refused", "vote.refused", "vote.accepted",
                "proposal.approved", "vote.refused", "proposal.applied",
            ])
        #expect(Event.verifyChain(events))
        #expect(events[0].data["proposal"] == "P-0001")
        #expect(events[0].data["changeSetHash"] == .string(F.changes().hash))
        #expect(events[0].data["boards"] == ["change"])
        #expect(events[5].data["from"] == "open")
        #expect(events[5].data["to"] == "approved")
        #expect(events[5].data["reason"] == "approved by every required board (change)")
        #expect(events[5].time == Proposal.milliseconds(F.at(13)))
        #expect(events[2].data["reason"] == "sam is not a member of board change")
        #expect(events[2].data["voter"] == "sam")
        #expect(events.allSatisfy { $0.actor == "controller" })
    }

    @Test func aStaleSaveIsRefusedAndChangesNothing() throws {
        let store = try StateStore(directory: temporaryDirectory())
        let created = try store.createProposal(F.draft())
        var a = try #require(try store.proposal(id: created.id))
        var b = try #require(try store.proposal(id: created.id))
        a.record(F.vote("priya"), at: F.at(1))
        try store.save(a)
        b.record(F.vote("jonas"), at: F.at(2))
        let eventCount = try store.events().count
        #expect {
            try store.save(b)
        } throws: { error in
            guard case ProposalStoreError.stale(let id, let expected, let stored) = error else { return false }
            return id == created.id && expected == 1 && stored == 2
        }
        #expect(try store.events().count == eventCount)
        #expect(try store.votes(ofProposal: created.id).map(\.vote.voter) == ["priya"])
        // Read again, redo, save: fine.
        var c = try #require(try store.proposal(id: created.id))
        c.record(F.vote("jonas"), at: F.at(3))
        #expect(try store.save(c).state == .approved)
        // Saving the same copy twice is stale too.
        #expect(throws: ProposalStoreError.self) { try store.save(c) }
    }

    /// Decoded proposals are kept between reads (the API and the dashboard read them on every
    /// request), yet a reader — here another store on the same file, as in another process —
    /// sees every save at once, and never another proposal's document.
    @Test func aReaderKeepingDecodedProposalsSeesEverySaveAtOnce() throws {
        let dir = temporaryDirectory()
        let writer = try StateStore(directory: dir)
        let reader = try StateStore(directory: dir)
        let first = try writer.createProposal(F.draft())
        let second = try writer.createProposal(
            F.draft(
                F.changes("ada", display: "Ada"), source: .branch("proposals/ada"),
                head: String(repeating: "2", count: 40)))
        #expect(try reader.proposals().map(\.votes.count) == [0, 0])
        var p = try #require(try writer.proposal(id: first.id))
        p.record(F.vote("priya"), at: F.at(1))
        try writer.save(p)
        #expect(try reader.proposal(id: first.id)?.votes.map(\.vote.voter) == ["priya"])
        #expect(try reader.proposals(state: .open).map(\.votes.count) == [1, 0])
        p = try #require(try reader.proposal(id: first.id))
        p.record(F.vote("jonas"), at: F.at(2))
        try reader.save(p)
        #expect(try writer.proposal(id: first.id)?.state == .approved)
        #expect(try reader.proposal(id: second.id)?.changes.map(\.id.name) == ["ada", "core"])
    }

    @Test func aSaveThatRewritesHistoryIsRefused() throws {
        let store = try StateStore(directory: temporaryDirectory())
        var p = try store.createProposal(F.draft())
        p.record(F.vote("priya"), at: F.at(1))
        p = try store.save(p)
        // A proposal with the same id but another change set, or with its votes dropped, cannot
        // overwrite the stored one.
        var impostor = Proposal(id: p.id, draft: F.draft(F.changes("ada")))
        impostor.version = p.version
        #expect {
            try store.save(impostor)
        } throws: { error in
            guard case ProposalStoreError.invalid = error else { return false }
            return true
        }
        var forgetful = Proposal(id: p.id, draft: F.draft())
        forgetful.version = p.version
        #expect {
            try store.save(forgetful)
        } throws: { error in
            guard case ProposalStoreError.invalid(_, let message) = error else { return false }
            return message == "its votes do not extend the stored ones"
        }
        #expect(try store.proposal(id: p.id) == p)
        #expect {
            try store.save(Proposal(id: ProposalID(number: 99), draft: F.draft()))
        } throws: { error in
            guard case ProposalStoreError.notFound(let id) = error else { return false }
            return id.number == 99
        }
    }

    @Test func lookupsByHashSourceAndState() throws {
        let store = try StateStore(directory: temporaryDirectory())
        let main = try store.createProposal(F.draft())
        let branch = try store.createProposal(F.draft(F.changes("ada"), source: .proposalBranch("add-ada")))
        let same = try store.createProposal(F.draft(source: .proposalBranch("sam-too")))
        let auto = try store.createProposal(
            F.draft(F.changes("bob"), action: .autoApprove, source: .proposalBranch("bob")))
        let forbidden = try store.createProposal(
            F.draft(F.changes("eve"), action: .forbid, source: .proposalBranch("eve")))

        #expect(try store.openProposal(forHash: F.changes().hash)?.id == main.id)
        #expect(try store.openProposal(forHash: F.changes().hash, source: .proposalBranch("sam-too"))?.id == same.id)
        #expect(try store.openProposal(forHash: F.changes("zed").hash) == nil)
        #expect(try store.openProposal(forHash: F.changes("bob").hash) == nil, "approved is not open")
        #expect(try store.openProposals().map(\.id) == [main.id, branch.id, same.id])
        #expect(try store.openProposals(source: .proposalBranch("add-ada")).map(\.id) == [branch.id])
        #expect(try store.openProposals(source: .branch("release")).isEmpty)
        #expect(try store.proposals(state: .approved).map(\.id) == [auto.id])
        #expect(try store.proposals(state: .rejected).map(\.id) == [forbidden.id])
        #expect(try store.proposals().count == 5)

        #expect(auto.state == .approved)
        #expect(auto.history.last?.reason == "auto-approved by rule change-control/people")
        #expect(forbidden.state == .rejected)
        #expect(forbidden.refusals == ["forbidden by rule `change-control/people`"])
        #expect(try store.proposal(id: forbidden.id) == forbidden)
        let types = try store.events().map(\.type)
        #expect(
            types == [
                "proposal.created", "proposal.created", "proposal.created", "proposal.created", "proposal.approved",
                "proposal.created", "proposal.rejected",
            ])
        #expect(Event.verifyChain(try store.events()))
    }

    @Test func theFullChangeSetIsStoredExactly() throws {
        let store = try StateStore(directory: temporaryDirectory())
        let changes = F.changes()
        let p = try store.createProposal(F.draft(changes))
        let back = try #require(try store.changeSet(ofProposal: p.id))
        #expect(back == changes)
        #expect(back.hash == p.changeSetHash)
        #expect(back.changes[1].fields[0].old == .null)
        #expect(back.changes[1].fields[0].new == nil)
        #expect(try store.changeSet(ofProposal: ProposalID(number: 42)) == nil)
    }

    @Test func replanningKeepsOrSupersedesAcrossSaves() throws {
        let store = try StateStore(directory: temporaryDirectory())
        var p = try store.createProposal(F.draft())
        p.record(F.vote("priya"), at: F.at(1))
        #expect(try p.replan(changeSetHash: p.changeSetHash, head: "2222", at: F.at(2)) == .kept)
        p = try store.save(p)
        let kept = try #require(try store.openProposal(forHash: F.changes().hash))
        #expect(kept.id == p.id && kept.head == "2222" && kept.votes.count == 1)

        var old = kept
        let newChanges = F.changes("sam", display: "Samuel")
        #expect(try old.replan(changeSetHash: newChanges.hash, head: "3333", at: F.at(3)) == .superseded)
        let new = try store.createProposal(F.draft(newChanges, head: "3333", at: F.at(3)), saving: [old])
        #expect(new.id.description == "P-0002")
        #expect(new.votes.isEmpty)
        #expect(try store.openProposals(source: .branch("main")).map(\.id) == [new.id])
        #expect(try store.proposal(id: p.id)?.state == .superseded)
        let events = try store.events()
        #expect(
            events.map(\.type) == [
                "proposal.created", "vote.accepted", "proposal.superseded", "proposal.created",
            ])
        #expect(events[2].data["reason"] == .string("superseded: 3333 has another change set (\(newChanges.hash))"))
        #expect(Event.verifyChain(events))
    }
}
