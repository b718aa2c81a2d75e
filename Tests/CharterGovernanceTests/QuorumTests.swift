import CharterFoundation
import CharterGovernance
import CharterModel
import Testing

// MARK: - Independent oracle

/// The requirement by counting up, independently of the engine's closed formulas.
private func oracleRequirement(_ rule: Board.QuorumRule, _ n: Int) -> Int {
    switch rule {
    case .unanimous:
        return n
    case .majority:
        var k = 0
        while 2 * k <= n { k += 1 }
        return k
    case .atLeast(let count):
        return count
    case .percent(let p):
        var k = 0
        while 100 * k < n * p { k += 1 }
        return k
    }
}

/// The outcome by brute force: approved iff approvals ≥ requirement; rejected iff a veto board has a
/// reject or no way the remaining voters could still vote reaches the requirement; else pending.
/// `ballot[i]` is member i's latest decision, `nil` when they have not voted.
private func oracleOutcome(_ rule: Board.QuorumRule, veto: Bool, ballot: [VoteDecision?]) -> Outcome {
    let required = oracleRequirement(rule, ballot.count)
    if veto && ballot.contains(.reject) { return .rejected }
    if ballot.filter({ $0 == .approve }).count >= required { return .approved }
    // Every completion: each member who has not voted approves, rejects or abstains (base-3 digit).
    let cast = ballot.filter { $0 == .approve }.count
    let open = ballot.filter { $0 == nil }.count
    var total = 1
    for _ in 0..<open { total *= 3 }
    for code in 0..<total {
        var approvals = cast
        var c = code
        for _ in 0..<open {
            if VoteDecision.allCases[c % 3] == .approve { approvals += 1 }
            c /= 3
        }
        if approvals >= required { return .pending }
    }
    return .rejected
}

private let authored = "authored a commit in this change"

private let members = ["ada", "bob", "cy", "dee", "eve", "fay", "gus"]

private let tableRules: [Board.QuorumRule] =
    [.unanimous, .majority] + (1...8).map { .atLeast($0) }
    + [1, 10, 25, 28, 33, 34, 50, 51, 60, 66, 67, 75, 99, 100].map { .percent($0) }

/// The ballots of `n` members checked by the table: all 4ⁿ for n ≤ 6, else every combination of
/// counts (approve, reject, abstain, not voted) in four placements (one sorted, three shuffled).
private func ballots(of n: Int) -> [[VoteDecision?]] {
    let choices: [VoteDecision?] = [.approve, .reject, .abstain, nil]
    if n <= 6 {
        var all: [[VoteDecision?]] = [[]]
        for _ in 0..<n { all = all.flatMap { prefix in choices.map { prefix + [$0] } } }
        return all
    }
    var rng = SeededGenerator(seed: UInt64(n))
    var out: [[VoteDecision?]] = []
    for a in 0...n {
        for r in 0...(n - a) {
            for ab in 0...(n - a - r) {
                let base: [VoteDecision?] =
                    Array(repeating: .approve, count: a) + Array(repeating: .reject, count: r)
                    + Array(repeating: .abstain, count: ab) + Array(repeating: nil, count: n - a - r - ab)
                out.append(base)
                for _ in 0..<3 { out.append(base.shuffled(using: &rng)) }
            }
        }
    }
    return out
}

// MARK: - Table against the oracle

@Suite struct QuorumTableTests {
    /// Every rule × veto × n = 1…7 against the oracle. For n ≤ 6 every ballot (each member approves,
    /// rejects, abstains or has not voted: 4ⁿ ballots); for n = 7 every combination of counts (120)
    /// in four placements over the members, which keeps the debug-build run short while covering
    /// every count the decision depends on. An ineligible author and an outsider also "vote" approve
    /// in every ballot; neither may count.
    @Test(arguments: tableRules, [false, true])
    func everyBallotMatchesOracle(rule: Board.QuorumRule, veto: Bool) {
        var mismatches: [String] = []
        var checked = 0
        for n in 1...7 {
            let eligible = Array(members.prefix(n))
            let roster = Set(eligible + ["zz-author"])
            for ballot in ballots(of: n) {
                var votes: [String: VoteDecision] = ["zz-author": .approve, "outsider": .approve]
                for (name, d) in zip(eligible, ballot) { votes[name] = d }
                let tally = BoardTally(
                    board: "b", rule: rule, veto: veto, roster: roster, ineligible: ["zz-author": authored],
                    votes: votes)
                let outcome = tally.outcome
                let counts = tally.counts
                let expected = oracleOutcome(rule, veto: veto, ballot: ballot)
                let required = oracleRequirement(rule, n)
                var approvals = 0
                var rejections = 0
                var abstentions = 0
                for d in ballot {
                    switch d {
                    case .approve: approvals += 1
                    case .reject: rejections += 1
                    case .abstain: abstentions += 1
                    case nil: break
                    }
                }
                let notVoted = n - approvals - rejections - abstentions
                var ok = outcome == expected
                ok = ok && counts.eligible == n && counts.required == required && counts.approvals == approvals
                ok = ok && counts.rejections == rejections && counts.abstentions == abstentions
                ok = ok && counts.notVoted == notVoted && counts.stillPossible == approvals + notVoted
                // Nothing waits forever: once everyone eligible voted, the board is decided.
                ok = ok && !(notVoted == 0 && outcome == .pending)
                if outcome == .pending {
                    // The explanation lists who is still awaited (the roster sorted), and how many approvals.
                    let status = tally.status
                    let awaiting = eligible.filter { votes[$0] == nil }
                    let missing = required - approvals
                    let want =
                        "needs \(missing) more approval\(missing == 1 ? "" : "s") from: "
                        + awaiting.joined(separator: ", ")
                    ok = ok && status.outcome == outcome && status.counts == counts
                    ok = ok && status.awaiting == awaiting && status.explanation == want
                }
                checked += 1
                if !ok && mismatches.count < 10 {
                    mismatches.append("n=\(n) ballot=\(ballot) got \(outcome) \(counts) expected \(expected)")
                }
            }
        }
        #expect(checked == 5460 + 480)
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// Random vote sequences recorded one at a time: a counted vote is the voter's latest decision,
    /// refusals have the right reason and leave the tally unchanged, and a decided board never changes.
    @Test(arguments: tableRules)
    func recordedSequencesAreConsistent(rule: Board.QuorumRule) {
        var rng = SeededGenerator(seed: 42)
        var problems: [String] = []
        for veto in [false, true] {
            for n in 1...6 {
                let eligible = Array(members.prefix(n))
                let voters = eligible + ["zz-author", "outsider"]
                for _ in 0..<60 {
                    var tally = BoardTally(
                        board: "b", rule: rule, veto: veto, roster: Set(eligible + ["zz-author"]),
                        ineligible: ["zz-author": authored])
                    // A board that can never reach quorum is decided before any vote.
                    let initial = oracleOutcome(rule, veto: veto, ballot: eligible.map { _ in nil })
                    if tally.outcome != initial { problems.append("n=\(n) initial \(tally.outcome) ≠ \(initial)") }
                    var decidedAs: Outcome? = initial.isDecided ? initial : nil
                    for _ in 0..<(2 * n + 2) {
                        let voter = voters.randomElement(using: &rng)!
                        let decision = VoteDecision.allCases.randomElement(using: &rng)!
                        let before = tally
                        let result = tally.record(decision, by: voter)
                        let expected: VoteCheck
                        if voter == "outsider" {
                            expected = .refused(.notAMember(voter: voter, boards: ["b"]))
                        } else if voter == "zz-author" {
                            expected = .refused(.ineligible(voter: voter, reason: authored))
                        } else if let outcome = decidedAs {
                            expected = .refused(.boardDecided(board: "b", outcome))
                        } else if before.votes[voter] == decision {
                            expected = .refused(.duplicate(voter: voter, decision))
                        } else {
                            expected = .counts
                        }
                        if result != expected { problems.append("\(voter) \(decision): \(result) ≠ \(expected)") }
                        if !result.isCounted && tally != before { problems.append("refused vote changed the tally") }
                        if result.isCounted && tally.votes[voter] != decision { problems.append("vote not recorded") }
                        let ballot = eligible.map { tally.votes[$0] }
                        let oracle = oracleOutcome(rule, veto: veto, ballot: ballot)
                        if let d = decidedAs, tally.outcome != d { problems.append("decided outcome changed") }
                        if decidedAs == nil {
                            if tally.outcome != oracle { problems.append("\(ballot): \(tally.outcome) ≠ \(oracle)") }
                            if tally.outcome.isDecided { decidedAs = tally.outcome }
                        }
                    }
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10).joined(separator: "\n"))")
    }
}

// MARK: - Requirement arithmetic

@Suite struct QuorumRequirementTests {
    @Test(arguments: [
        (60, 7, 5), (50, 4, 2), (1, 100, 1), (100, 3, 3), (28, 25, 7), (50, 5, 3), (33, 3, 1), (34, 3, 2),
        (67, 3, 3), (66, 3, 2), (75, 4, 3), (99, 100, 99), (51, 100, 51), (10, 1, 1),
    ])
    func percentRoundsUpInIntegers(percent: Int, n: Int, required: Int) {
        #expect(Quorum.requirement(.percent(percent), eligible: n) == required)
        #expect(oracleRequirement(.percent(percent), n) == required)
    }

    @Test func majorityIsMoreThanHalf() {
        let expected = [1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 4]
        for (n, required) in expected { #expect(Quorum.requirement(.majority, eligible: n) == required) }
    }

    @Test func unanimousAndAtLeast() {
        #expect(Quorum.requirement(.unanimous, eligible: 5) == 5)
        #expect(Quorum.requirement(.atLeast(3), eligible: 2) == 3)
        #expect(Quorum.requirement(.atLeast(2), eligible: 9) == 2)
    }

    /// No rule ever needs fewer than one approval: a zero requirement would approve on a reject.
    @Test func neverBelowOne() {
        #expect(Quorum.requirement(.atLeast(0), eligible: 3) == 1)
        #expect(Quorum.requirement(.atLeast(-2), eligible: 3) == 1)
        #expect(Quorum.requirement(.percent(0), eligible: 3) == 1)
        #expect(Quorum.requirement(.percent(-5), eligible: 3) == 1)
        #expect(Quorum.requirement(.unanimous, eligible: 0) == 1)
        #expect(Quorum.requirement(.majority, eligible: 0) == 1)

        var tally = BoardTally(board: "ops", rule: .atLeast(0), roster: ["ada", "bob"])
        #expect(tally.outcome == .pending)
        tally.record(.reject, by: "ada")
        #expect(tally.outcome == .pending)
        tally.record(.reject, by: "bob")
        #expect(tally.outcome == .rejected)
    }

    @Test func overflowSaturates() {
        #expect(Quorum.requirement(.percent(Int.max), eligible: 3) == Int.max)
        #expect(Quorum.requirement(.percent(200), eligible: 3) == 6)
        let tally = BoardTally(board: "ops", rule: .percent(Int.max), roster: ["ada", "bob", "cy"])
        #expect(tally.outcome == .rejected)
    }

    @Test func boardProblems() {
        #expect(Quorum.problem(rule: .majority, members: 1) == nil)
        #expect(Quorum.problem(rule: .atLeast(3), members: 3) == nil)
        #expect(Quorum.problem(rule: .percent(100), members: 3) == nil)
        #expect(Quorum.problem(rule: .atLeast(3), members: 2) == "quorum needs 3 approvals but the board has 2 members")
        #expect(Quorum.problem(rule: .atLeast(2), members: 1) == "quorum needs 2 approvals but the board has 1 member")
        #expect(Quorum.problem(rule: .atLeast(0), members: 2) == "quorum atLeast must be at least 1, not 0")
        #expect(Quorum.problem(rule: .percent(0), members: 2) == "quorum percent must be between 1 and 100, not 0")
        #expect(Quorum.problem(rule: .percent(101), members: 2) == "quorum percent must be between 1 and 100, not 101")
        #expect(Quorum.problem(rule: .unanimous, members: 0) == "the board has no members")
    }
}

// MARK: - Board semantics

@Suite struct BoardTallyTests {
    let abc: Set<String> = ["ada", "bob", "cy"]

    @Test func pendingExplainsWhatIsNeeded() {
        let tally = BoardTally(board: "ops", rule: .unanimous, roster: ["cy", "ada", "bob"])
        #expect(tally.outcome == .pending)
        #expect(tally.explanation == "needs 3 more approvals from: ada, bob, cy")
        let counts = tally.counts
        #expect(
            counts == QuorumCounts(eligible: 3, required: 3, approvals: 0, rejections: 0, abstentions: 0, notVoted: 3))
        #expect(counts.stillPossible == 3)

        let one = BoardTally(board: "ops", rule: .majority, roster: abc, votes: ["bob": .approve])
        #expect(one.explanation == "needs 1 more approval from: ada, cy")
        #expect(one.status.approvedBy == ["bob"])
    }

    @Test func abstentionsNeverApprove() {
        // Unanimous with one abstention: rejected at once, nobody waits.
        let unanimous = BoardTally(board: "ops", rule: .unanimous, roster: abc, votes: ["bob": .abstain])
        #expect(unanimous.outcome == .rejected)
        #expect(
            unanimous.explanation == "cannot reach quorum: needs 3 approvals, at most 2 still possible (abstained: bob)"
        )
        #expect(unanimous.counts.abstentions == 1)
        #expect(unanimous.counts.stillPossible == 2)

        // Majority of 3: one approval and one abstention still leaves cy.
        var majority = BoardTally(
            board: "ops", rule: .majority, roster: abc, votes: ["ada": .approve, "bob": .abstain])
        #expect(majority.outcome == .pending)
        #expect(majority.explanation == "needs 1 more approval from: cy")
        majority.record(.abstain, by: "cy")
        #expect(majority.outcome == .rejected)

        // Everybody abstains: rejected, never approved.
        let all = BoardTally(
            board: "ops", rule: .atLeast(1), roster: abc, votes: ["ada": .abstain, "bob": .abstain, "cy": .abstain])
        #expect(all.outcome == .rejected)
        #expect(all.counts.approvals == 0)

        // Percentage made unreachable by abstentions.
        let percent = BoardTally(
            board: "ops", rule: .percent(60), roster: ["ada", "bob", "cy", "dee", "eve"],
            votes: ["ada": .abstain, "bob": .abstain, "cy": .approve])
        #expect(percent.counts.required == 3)
        #expect(percent.outcome == .pending)
        let percent2 = BoardTally(
            board: "ops", rule: .percent(60), roster: ["ada", "bob", "cy", "dee", "eve"],
            votes: ["ada": .abstain, "bob": .abstain, "cy": .abstain])
        #expect(percent2.outcome == .rejected)
    }

    @Test func tiesAreRejected() {
        let four: Set<String> = ["ada", "bob", "cy", "dee"]
        let tie = BoardTally(
            board: "ops", rule: .majority, roster: four,
            votes: ["ada": .approve, "bob": .approve, "cy": .reject, "dee": .reject])
        #expect(tie.outcome == .rejected)
        #expect(
            tie.explanation == "cannot reach quorum: needs 3 approvals, at most 2 still possible (rejected: cy, dee)")

        let waiting = BoardTally(
            board: "ops", rule: .majority, roster: four, votes: ["ada": .approve, "bob": .approve, "cy": .reject])
        #expect(waiting.outcome == .pending)
        #expect(waiting.explanation == "needs 1 more approval from: dee")

        // percent(51) of 4 needs 3: one reject and one abstention already make it unreachable.
        let percent = BoardTally(
            board: "ops", rule: .percent(51), roster: four, votes: ["cy": .reject, "dee": .abstain])
        #expect(percent.outcome == .rejected)
    }

    @Test func earlyRejection() {
        let five: Set<String> = ["ada", "bob", "cy", "dee", "eve"]
        let tally = BoardTally(
            board: "ops", rule: .atLeast(3), roster: five, votes: ["ada": .reject, "bob": .reject, "cy": .abstain])
        #expect(tally.outcome == .rejected)
        #expect(tally.status.awaiting == ["dee", "eve"])
        #expect(tally.counts.stillPossible == 2)

        let majority = BoardTally(
            board: "ops", rule: .majority, roster: five, votes: ["ada": .reject, "bob": .reject, "cy": .reject])
        #expect(majority.outcome == .rejected)
    }

    @Test func approvedAsSoonAsReached() {
        var tally = BoardTally(board: "ops", rule: .atLeast(2), roster: ["ada", "bob", "cy", "dee", "eve"])
        #expect(tally.record(.approve, by: "eve") == .counts)
        #expect(tally.outcome == .pending)
        #expect(tally.record(.approve, by: "bob") == .counts)
        #expect(tally.outcome == .approved)
        #expect(tally.explanation == "approved by bob, eve (2 of 2 required approvals)")

        let single = BoardTally(board: "ops", rule: .majority, roster: ["ada"], votes: ["ada": .approve])
        #expect(single.explanation == "approved by ada (1 of 1 required approval)")
    }

    @Test func authorsAreExcludedFromTheRoster() {
        // A unanimous board with an author among its members can still approve.
        var tally = BoardTally(board: "ops", rule: .unanimous, roster: abc, ineligible: ["ada": authored])
        #expect(tally.eligible == ["bob", "cy"])
        #expect(tally.counts.required == 2)
        #expect(tally.explanation == "needs 2 more approvals from: bob, cy")
        #expect(tally.record(.approve, by: "ada") == .refused(.ineligible(voter: "ada", reason: authored)))
        #expect(tally.votes.isEmpty)
        #expect(
            VoteRefusal.ineligible(voter: "ada", reason: authored).description
                == "ada cannot vote on this change: authored a commit in this change")
        tally.record(.approve, by: "bob")
        tally.record(.approve, by: "cy")
        #expect(tally.outcome == .approved)

        // An author's vote present in the stored votes never counts.
        let stored = BoardTally(
            board: "ops", rule: .atLeast(2), roster: abc, ineligible: ["ada": authored],
            votes: ["ada": .approve, "bob": .approve])
        #expect(stored.outcome == .pending)
        #expect(stored.counts.approvals == 1)

        // An agent on a change to its own role: the same exclusion, with its own reason.
        let ownRole = "an agent cannot approve changes to its own role `planning`"
        let agent = BoardTally(
            board: "ops", rule: .unanimous, roster: ["planner", "ada"], ineligible: ["planner": ownRole])
        #expect(agent.counts.required == 1)
        #expect(agent.check(.approve, by: "planner") == .refused(.ineligible(voter: "planner", reason: ownRole)))
        #expect(
            VoteRefusal.ineligible(voter: "planner", reason: ownRole).description
                == "planner cannot vote on this change: an agent cannot approve changes to its own role `planning`")
        // Ineligible names that are not on the roster change nothing.
        let stranger = BoardTally(board: "ops", rule: .unanimous, roster: abc, ineligible: ["zed": authored])
        #expect(stranger.counts.eligible == 3)
        #expect(stranger.check(.approve, by: "zed") == .refused(.notAMember(voter: "zed", boards: ["ops"])))
    }

    @Test func requirementAboveEligibleRejectsAtOnce() {
        let tally = BoardTally(board: "ops", rule: .atLeast(3), roster: abc, ineligible: ["cy": authored])
        #expect(tally.outcome == .rejected)
        #expect(tally.explanation == "cannot reach quorum: needs 3 approvals, 2 members can vote (ineligible: cy)")
        #expect(tally.check(.approve, by: "ada") == .refused(.boardDecided(board: "ops", .rejected)))

        let noAuthor = BoardTally(board: "ops", rule: .atLeast(4), roster: abc)
        #expect(noAuthor.explanation == "cannot reach quorum: needs 4 approvals, 3 members can vote")

        let everyoneAuthor = BoardTally(board: "ops", rule: .majority, roster: ["ada"], ineligible: ["ada": authored])
        #expect(everyoneAuthor.outcome == .rejected)
        #expect(
            everyoneAuthor.explanation == "cannot reach quorum: needs 1 approval, no member can vote (ineligible: ada)")

        let empty = BoardTally(board: "ops", rule: .unanimous, roster: [])
        #expect(empty.outcome == .rejected)
        #expect(
            empty.explanation == "cannot reach quorum: needs 1 approval, no member can vote (the board has no members)")
    }

    @Test func voteMayChangeUntilDecided() {
        var tally = BoardTally(board: "ops", rule: .majority, roster: ["ada", "bob", "cy", "dee", "eve"])
        #expect(tally.record(.reject, by: "ada") == .counts)
        #expect(tally.record(.abstain, by: "cy") == .counts)
        #expect(tally.outcome == .pending)
        #expect(tally.counts.stillPossible == 3)
        #expect(tally.record(.reject, by: "ada") == .refused(.duplicate(voter: "ada", .reject)))
        #expect(VoteRefusal.duplicate(voter: "ada", .reject).description == "ada already voted reject")
        #expect(tally.record(.approve, by: "ada") == .counts)
        #expect(tally.record(.approve, by: "cy") == .counts)
        #expect(tally.record(.reject, by: "bob") == .counts)
        #expect(tally.votes == ["ada": .approve, "bob": .reject, "cy": .approve])
        #expect(tally.counts.approvals == 2)
        #expect(tally.outcome == .pending)
        #expect(tally.record(.approve, by: "dee") == .counts)
        #expect(tally.outcome == .approved)

        // Decided: no change of mind any more, and the tally stays as it was.
        let decided = tally
        #expect(tally.record(.reject, by: "ada") == .refused(.boardDecided(board: "ops", .approved)))
        #expect(tally.record(.approve, by: "eve") == .refused(.boardDecided(board: "ops", .approved)))
        #expect(tally == decided)
        #expect(VoteRefusal.boardDecided(board: "ops", .approved).description == "board ops is already approved")
    }

    @Test func nonMemberIsRefused() {
        var tally = BoardTally(board: "ops", rule: .majority, roster: abc)
        #expect(tally.record(.approve, by: "mallory") == .refused(.notAMember(voter: "mallory", boards: ["ops"])))
        #expect(tally.votes.isEmpty)
        #expect(
            VoteRefusal.notAMember(voter: "mallory", boards: ["ops"]).description
                == "mallory is not a member of board ops")
        // A stored vote of a non-member never counts either.
        let stored = BoardTally(board: "ops", rule: .atLeast(1), roster: abc, votes: ["mallory": .approve])
        #expect(stored.outcome == .pending)
    }

    @Test func veto() {
        let five: Set<String> = ["ada", "bob", "cy", "dee", "eve"]
        var tally = BoardTally(board: "sec", rule: .majority, veto: true, roster: five)
        tally.record(.approve, by: "ada")
        tally.record(.approve, by: "bob")
        #expect(tally.outcome == .pending)
        tally.record(.reject, by: "eve")
        #expect(tally.outcome == .rejected)
        #expect(tally.explanation == "vetoed by eve")
        #expect(tally.record(.approve, by: "cy") == .refused(.boardDecided(board: "sec", .rejected)))

        // Without veto the same votes still wait.
        let noVeto = BoardTally(
            board: "sec", rule: .majority, roster: five, votes: ["ada": .approve, "bob": .approve, "eve": .reject])
        #expect(noVeto.outcome == .pending)

        // An abstention is not a veto.
        let abstain = BoardTally(board: "sec", rule: .atLeast(1), veto: true, roster: five, votes: ["eve": .abstain])
        #expect(abstain.outcome == .pending)

        // Evaluated as a set, a veto wins over approvals that reached the requirement.
        let conflict = BoardTally(
            board: "sec", rule: .atLeast(1), veto: true, roster: five, votes: ["ada": .approve, "bob": .reject])
        #expect(conflict.outcome == .rejected)
        #expect(conflict.explanation == "vetoed by bob")

        // Approved first, then the reject is refused, so the approval stands.
        var ordered = BoardTally(board: "sec", rule: .atLeast(1), veto: true, roster: five)
        ordered.record(.approve, by: "ada")
        #expect(ordered.record(.reject, by: "bob") == .refused(.boardDecided(board: "sec", .approved)))
        #expect(ordered.outcome == .approved)
    }

    @Test func fromBoard() {
        let board = Board(
            name: "security",
            spec: [
                "members": [["person": "ada"], ["team": "sre"]],
                "quorum": ["rule": "atLeast", "count": 2, "veto": true],
            ])
        let tally = BoardTally(
            board, roster: ["ada", "bob", "cy"], ineligible: ["cy": authored], votes: ["ada": .approve])
        #expect(tally.board == "security")
        #expect(tally.rule == .atLeast(2))
        #expect(tally.veto)
        #expect(tally.explanation == "needs 1 more approval from: bob")
    }
}

// MARK: - Proposals over several boards

@Suite struct ProposalTallyTests {
    func twoBoards() -> ProposalTally {
        ProposalTally(boards: [
            BoardTally(board: "security", rule: .unanimous, roster: ["bob", "cy"]),
            BoardTally(board: "ops", rule: .majority, roster: ["ada", "bob", "dee"]),
        ])
    }

    @Test func approvedWhenEveryBoardApproved() {
        var proposal = twoBoards()
        #expect(proposal.boards.map(\.board) == ["ops", "security"])
        #expect(proposal.outcome == .pending)
        #expect(
            proposal.explanation
                == "board ops: needs 2 more approvals from: ada, bob, dee; "
                + "board security: needs 2 more approvals from: bob, cy"
        )
        // bob sits on both boards: one vote counts on both.
        #expect(proposal.record(.approve, by: "bob") == .counts)
        #expect(proposal.boards.allSatisfy { $0.votes["bob"] == .approve })
        #expect(proposal.record(.approve, by: "ada") == .counts)
        #expect(proposal.status.boards.map(\.outcome) == [.approved, .pending])
        #expect(proposal.outcome == .pending)
        // dee is only on ops, which has decided.
        #expect(proposal.record(.reject, by: "dee") == .refused(.boardDecided(board: "ops", .approved)))
        #expect(proposal.record(.approve, by: "cy") == .counts)
        #expect(proposal.outcome == .approved)
        #expect(proposal.explanation == "approved by every required board (ops, security)")
        #expect(proposal.record(.reject, by: "cy") == .refused(.proposalDecided(.approved)))
        #expect(VoteRefusal.proposalDecided(.approved).description == "the proposal is already approved")
    }

    @Test func rejectedAsSoonAsAnyBoardRejected() {
        var proposal = twoBoards()
        proposal.record(.approve, by: "ada")
        proposal.record(.approve, by: "bob")
        #expect(proposal.record(.abstain, by: "cy") == .counts)
        #expect(proposal.outcome == .rejected)
        #expect(
            proposal.explanation
                == "board security rejected: "
                + "cannot reach quorum: needs 2 approvals, at most 1 still possible (abstained: cy)"
        )
        let decided = proposal
        #expect(proposal.record(.approve, by: "cy") == .refused(.proposalDecided(.rejected)))
        #expect(proposal.record(.approve, by: "mallory") == .refused(.proposalDecided(.rejected)))
        #expect(proposal == decided)
    }

    @Test func rejectedEvenWhileAnotherBoardIsPending() {
        var proposal = twoBoards()
        proposal.record(.reject, by: "cy")
        #expect(proposal.status.boards.map(\.outcome) == [.pending, .rejected])
        #expect(proposal.outcome == .rejected)
    }

    @Test func refusals() {
        var proposal = ProposalTally(boards: [
            BoardTally(board: "security", rule: .unanimous, roster: ["bob", "cy"], ineligible: ["bob": authored]),
            BoardTally(board: "ops", rule: .majority, roster: ["ada", "bob", "dee"], ineligible: ["bob": authored]),
        ])
        #expect(
            proposal.record(.approve, by: "mallory")
                == .refused(.notAMember(voter: "mallory", boards: ["ops", "security"])))
        #expect(
            VoteRefusal.notAMember(voter: "mallory", boards: ["ops", "security"]).description
                == "mallory is not a member of any required board (ops, security)")
        #expect(proposal.record(.approve, by: "bob") == .refused(.ineligible(voter: "bob", reason: authored)))
        #expect(proposal.record(.approve, by: "ada") == .counts)
        #expect(proposal.record(.approve, by: "ada") == .refused(.duplicate(voter: "ada", .approve)))
        #expect(proposal.boards.allSatisfy { $0.votes["bob"] == nil })
        proposal.record(.approve, by: "cy")
        #expect(proposal.outcome == .pending)
        #expect(
            proposal.explanation.hasPrefix("board ops: needs 1 more approval from: dee; board security: approved by cy")
        )
        proposal.record(.approve, by: "dee")
        #expect(proposal.outcome == .approved)
    }

    /// A voter on one decided board and one open board: the vote counts on the open one only.
    @Test func voteCountsOnBoardsThatCanTakeIt() {
        var proposal = ProposalTally(boards: [
            BoardTally(board: "a", rule: .atLeast(1), roster: ["ada"], votes: ["ada": .approve]),
            BoardTally(board: "b", rule: .majority, roster: ["ada", "bob", "cy"]),
        ])
        #expect(proposal.status.boards.map(\.outcome) == [.approved, .pending])
        #expect(proposal.record(.reject, by: "ada") == .counts)
        #expect(proposal.boards[0].votes["ada"] == .approve)
        #expect(proposal.boards[1].votes["ada"] == .reject)
    }

    @Test func noBoardIsNeverAVacuousApproval() {
        let proposal = ProposalTally(boards: [])
        #expect(proposal.outcome == .rejected)
        #expect(proposal.check(.approve, by: "ada") == .refused(.proposalDecided(.rejected)))
    }

    @Test func deterministicRegardlessOfInsertionOrder() {
        let names = ["gus", "ada", "eve", "bob", "fay", "cy", "dee"]
        let a = BoardTally(board: "x", rule: .percent(60), roster: Set(names), votes: ["eve": .approve])
        let b = BoardTally(board: "x", rule: .percent(60), roster: Set(names.reversed()), votes: ["eve": .approve])
        #expect(a.status == b.status)
        #expect(a.explanation == "needs 4 more approvals from: ada, bob, cy, dee, fay, gus")
        let p1 = ProposalTally(boards: [a, BoardTally(board: "w", rule: .majority, roster: ["ada"])])
        let p2 = ProposalTally(boards: [BoardTally(board: "w", rule: .majority, roster: ["ada"]), b])
        #expect(p1.status == p2.status)
    }
}
