import CharterGovernance
import CharterModel
import CharterPlan
import Foundation
import GRDB

extension StateStore {
    static func createProposalTables(_ db: Database) throws {
        try db.create(table: "proposal_counter") { t in
            t.primaryKey("name", .text)
            t.column("last", .integer).notNull()
        }
        try db.create(table: "proposal") { t in
            t.primaryKey("id", .text)
            t.column("number", .integer).notNull().unique()
            t.column("state", .text).notNull()
            t.column("change_set_hash", .text).notNull()
            t.column("base", .text).notNull()
            t.column("head", .text).notNull()
            t.column("source", .text).notNull()
            t.column("created_at", .double).notNull()
            t.column("updated_at", .double).notNull()
            t.column("version", .integer).notNull()
            t.column("document", .text).notNull()
            t.column("change_set", .text).notNull()
        }
        try db.create(index: "proposal_by_state", on: "proposal", columns: ["state", "number"])
        try db.create(index: "proposal_by_hash", on: "proposal", columns: ["change_set_hash"])
        try db.execute(sql: "CREATE UNIQUE INDEX proposal_open_source ON proposal(source) WHERE state = 'open'")
        try db.create(table: "proposal_vote") { t in
            t.column("proposal_id", .text).notNull().references("proposal", column: "id")
            t.column("seq", .integer).notNull()
            t.column("voter", .text).notNull()
            t.column("decision", .text).notNull()
            t.column("change_set_hash", .text).notNull()
            t.column("time", .double).notNull()
            t.column("recorded_at", .double).notNull()
            t.column("comment", .text)
            t.column("accepted", .boolean).notNull()
            t.column("reason", .text)
            t.column("signature", .text)
            t.primaryKey(["proposal_id", "seq"])
        }
    }

    /// Creates a proposal from `draft` with the next id (`P-0001`, `P-0002`, …), in one
    /// transaction with its events and with saving `others` first (typically the proposal it
    /// supersedes, so the new one can be the open proposal of the same source). The returned
    /// proposal may already be approved or rejected when routing decided it.
    ///
    /// Refused when another proposal of the same source is open. On any failure nothing is
    /// written and no id is used up.
    public func createProposal(
        _ draft: ProposalDraft, saving others: [Proposal] = [], actor: String = "controller"
    ) throws(ProposalStoreError) -> Proposal {
        do {
            return try pool.write { db in
                for other in others { try Self.save(other, actor: actor, in: db) }
                let last = try Int.fetchOne(db, sql: "SELECT last FROM proposal_counter WHERE name = 'proposal'") ?? 0
                let id = ProposalID(number: last + 1)
                try db.execute(
                    sql: """
                        INSERT INTO proposal_counter (name, last) VALUES ('proposal', ?)
                        ON CONFLICT(name) DO UPDATE SET last = excluded.last
                        """,
                    arguments: [id.number])
                var proposal = Proposal(id: id, draft: draft)
                if proposal.state == .open,
                    let open = try String.fetchOne(
                        db, sql: "SELECT id FROM proposal WHERE source = ? AND state = 'open'",
                        arguments: [draft.source.key])
                {
                    throw ProposalStoreError.invalid(
                        proposal: id,
                        message: "\(open) is still the open proposal of \(draft.source); supersede it first")
                }
                proposal.version = 1
                try db.execute(
                    sql: """
                        INSERT INTO proposal (id, number, state, change_set_hash, base, head, source, created_at,
                                              updated_at, version, document, change_set)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id.description, id.number, proposal.state.rawValue, proposal.changeSetHash, proposal.base,
                        proposal.head, proposal.source.key, proposal.createdAt.timeIntervalSince1970,
                        proposal.stateChangedAt.timeIntervalSince1970, proposal.version,
                        try Self.document(proposal), CanonicalJSON.string(Self.value(of: draft.changeSet)),
                    ])
                try EventLog.append(
                    db, type: "proposal.created", actor: actor, time: proposal.createdAt,
                    data: [
                        "proposal": .string(id.description), "source": .string(proposal.source.key),
                        "base": .string(proposal.base), "head": .string(proposal.head),
                        "changeSetHash": .string(proposal.changeSetHash),
                        "changes": .int(proposal.changes.count),
                        "boards": .array(proposal.boardNames.map(Value.string)),
                        "rules": .array(proposal.rules.map(Value.string)),
                        "changeSetBlob": .string(try Self.storeBlob(of: draft.changeSet, in: db)),
                    ])
                try Self.appendEvents(of: proposal, fromVote: 0, fromTransition: 1, actor: actor, in: db)
                return proposal
            }
        } catch let error as ProposalStoreError {
            throw error
        } catch {
            throw .store(StoreError("create proposal", path: path, error))
        }
    }

    /// Saves `proposal`: its state, head, new transitions and new votes, each with its event, in one
    /// transaction. Optimistic concurrency: refused with ``ProposalStoreError/stale(proposal:expected:stored:)``
    /// when the stored version is not `proposal.version` (someone saved it since it was read).
    ///
    /// - Returns: the proposal with its new version; save that one next time.
    @discardableResult
    public func save(_ proposal: Proposal, actor: String = "controller") throws(ProposalStoreError) -> Proposal {
        do {
            return try pool.write { db in try Self.save(proposal, actor: actor, in: db) }
        } catch let error as ProposalStoreError {
            throw error
        } catch {
            throw .store(StoreError("save proposal \(proposal.id)", path: path, error))
        }
    }

    /// The proposal with `id`, or `nil`.
    public func proposal(id: ProposalID) throws(StoreError) -> Proposal? {
        try readProposals("read proposal \(id)", where: "id = ?", [id.description]).first
    }

    /// Proposals in `state` (every proposal when `nil`), by number.
    public func proposals(state: ProposalState? = nil) throws(StoreError) -> [Proposal] {
        if let state { return try readProposals("read proposals", where: "state = ?", [state.rawValue]) }
        return try readProposals("read proposals", where: "1", [])
    }

    /// The open proposal for the change set `hash` (of `source`, when given), or `nil`. With several
    /// (different sources), the oldest.
    public func openProposal(forHash hash: String, source: ProposalSource? = nil) throws(StoreError) -> Proposal? {
        if let source {
            return try readProposals(
                "read open proposals", where: "state = 'open' AND change_set_hash = ? AND source = ?",
                [hash, source.key]
            ).first
        }
        return try readProposals("read open proposals", where: "state = 'open' AND change_set_hash = ?", [hash]).first
    }

    /// The open proposals (of `source`, when given), by number.
    public func openProposals(source: ProposalSource? = nil) throws(StoreError) -> [Proposal] {
        if let source {
            return try readProposals("read open proposals", where: "state = 'open' AND source = ?", [source.key])
        }
        return try readProposals("read open proposals", where: "state = 'open'", [])
    }

    /// The proposals of `source` still waiting to be applied (open or approved), by number.
    public func pendingProposals(source: ProposalSource) throws(StoreError) -> [Proposal] {
        try readProposals(
            "read pending proposals", where: "state IN ('open', 'approved') AND source = ?", [source.key])
    }

    /// The full change set of proposal `id`, or `nil` when there is no such proposal.
    public func changeSet(ofProposal id: ProposalID) throws(StoreError) -> ChangeSet? {
        do {
            guard
                let text = try pool.read({ db in
                    try String.fetchOne(
                        db, sql: "SELECT change_set FROM proposal WHERE id = ?", arguments: [id.description])
                })
            else { return nil }
            return try Self.changeSet(from: Value(json: text))
        } catch {
            throw StoreError("read change set of \(id)", path: path, error)
        }
    }

    /// The votes recorded on proposal `id` (accepted and refused), in order, from the
    /// `proposal_vote` table.
    public func votes(ofProposal id: ProposalID) throws(StoreError) -> [RecordedVote] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM proposal_vote WHERE proposal_id = ? ORDER BY seq",
                    arguments: [id.description]
                ).map { row in
                    let decisionText: String = row["decision"]
                    guard let decision = VoteDecision(rawValue: decisionText) else {
                        throw StoreError(
                            operation: "read votes", path: path, message: "unknown decision \(decisionText)")
                    }
                    return RecordedVote(
                        sequence: row["seq"],
                        vote: ProposalVote(
                            proposal: id.description, voter: row["voter"], decision: decision,
                            changeSetHash: row["change_set_hash"], time: Date(timeIntervalSince1970: row["time"]),
                            comment: row["comment"], signature: row["signature"]),
                        recordedAt: Date(timeIntervalSince1970: row["recorded_at"]), accepted: row["accepted"],
                        reason: row["reason"])
                }
            }
        } catch {
            throw StoreError("read votes of \(id)", path: path, error)
        }
    }

    // MARK: - Internals

    private func readProposals(
        _ operation: String, where condition: String, _ arguments: StatementArguments
    ) throws(StoreError) -> [Proposal] {
        do {
            // Stamps first, then the documents of the proposals not decoded at that stamp, in one
            // read transaction (so one snapshot).
            return try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, version, version || '/' || updated_at || '/' || created_at AS stamp
                        FROM proposal WHERE \(condition) ORDER BY number
                        """,
                    arguments: arguments
                ).map { row in
                    let id: String = row["id"]
                    let stamp: String = row["stamp"]
                    if let cached = proposalCache.get(id, stamp: stamp) { return cached }
                    let document = try String.fetchOne(
                        db, sql: "SELECT document FROM proposal WHERE id = ?", arguments: [id])
                    var p = try Self.proposal(fromDocument: document ?? "")
                    p.version = row["version"]
                    proposalCache.set(id, stamp: stamp, p)
                    return p
                }
            }
        } catch {
            throw StoreError(operation, path: path, error)
        }
    }

    @discardableResult
    private static func save(_ proposal: Proposal, actor: String, in db: Database) throws -> Proposal {
        let id = proposal.id
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT version, document FROM proposal WHERE id = ?", arguments: [id.description])
        else { throw ProposalStoreError.notFound(id) }
        let version: Int = row["version"]
        guard version == proposal.version else {
            throw ProposalStoreError.stale(proposal: id, expected: proposal.version, stored: version)
        }
        let stored = try Self.proposal(fromDocument: row["document"])
        func invalid(_ message: String) -> ProposalStoreError { .invalid(proposal: id, message: message) }
        guard
            stored.source == proposal.source, stored.base == proposal.base,
            stored.changeSetHash == proposal.changeSetHash, stored.createdAt == proposal.createdAt,
            stored.boards == proposal.boards,
            stored.ineligible.allSatisfy({ proposal.ineligible[$0.key] == $0.value })
        else { throw invalid("its source, base, change set, boards or voters differ from the stored ones") }
        guard proposal.history.starts(with: stored.history) else {
            throw invalid("its state history does not extend the stored one")
        }
        guard proposal.votes.starts(with: stored.votes),
            proposal.refusedVoteFiles.starts(with: stored.refusedVoteFiles)
        else {
            throw invalid("its votes do not extend the stored ones")
        }
        var saved = proposal
        saved.version = version + 1
        try db.execute(
            sql: "UPDATE proposal SET state = ?, head = ?, updated_at = ?, version = ?, document = ? WHERE id = ?",
            arguments: [
                saved.state.rawValue, saved.head, saved.stateChangedAt.timeIntervalSince1970, saved.version,
                try document(saved), id.description,
            ])
        // Voters only ever become ineligible (authors of commits added to the change); say who and why.
        let removed = proposal.ineligible.filter { stored.ineligible[$0.key] == nil }
        if !removed.isEmpty {
            try EventLog.append(
                db, type: "proposal.ineligible", actor: actor, time: saved.stateChangedAt,
                data: [
                    "proposal": .string(id.description), "head": .string(saved.head),
                    "voters": .object(removed.mapValues(Value.string)),
                ])
        }
        // A refused vote file changes no state; its event says which file and why.
        for file in saved.refusedVoteFiles.dropFirst(stored.refusedVoteFiles.count) {
            try EventLog.append(
                db, type: "vote.file-refused", actor: actor, time: file.recordedAt,
                data: [
                    "proposal": .string(id.description), "path": .string(file.path), "digest": .string(file.digest),
                    "reason": .string(file.reason),
                ])
        }
        try appendEvents(
            of: saved, fromVote: stored.votes.count, fromTransition: stored.history.count, actor: actor, in: db)
        return saved
    }

    /// Inserts the votes from index `firstVote` on and writes the events of those votes and of the
    /// transitions from index `firstTransition` on, in the order they happened.
    private static func appendEvents(
        of proposal: Proposal, fromVote firstVote: Int, fromTransition firstTransition: Int, actor: String,
        in db: Database
    ) throws {
        let id = proposal.id.description
        var t = firstTransition
        func transitions(upTo votes: Int) throws {
            while t < proposal.history.count, proposal.history[t].afterVotes <= votes {
                let entry = proposal.history[t]
                try EventLog.append(
                    db, type: "proposal.\(entry.state.rawValue)", actor: actor, time: entry.time,
                    data: [
                        "proposal": .string(id), "from": .string(proposal.history[t - 1].state.rawValue),
                        "to": .string(entry.state.rawValue), "reason": .string(entry.reason),
                        "changeSetHash": .string(proposal.changeSetHash),
                    ])
                t += 1
            }
        }
        try transitions(upTo: firstVote)
        for recorded in proposal.votes.dropFirst(firstVote) {
            let v = recorded.vote
            try db.execute(
                sql: """
                    INSERT INTO proposal_vote (proposal_id, seq, voter, decision, change_set_hash, time, recorded_at,
                                               comment, accepted, reason, signature)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, recorded.sequence, v.voter, v.decision.rawValue, v.changeSetHash, v.time.timeIntervalSince1970,
                    recorded.recordedAt.timeIntervalSince1970, v.comment, recorded.accepted, recorded.reason,
                    v.signature,
                ])
            var data: [String: Value] = [
                "proposal": .string(id), "seq": .int(recorded.sequence), "voter": .string(v.voter),
                "decision": .string(v.decision.rawValue), "changeSetHash": .string(v.changeSetHash),
                "signed": .bool(v.signature != nil),
            ]
            if let reason = recorded.reason { data["reason"] = .string(reason) }
            try EventLog.append(
                db, type: recorded.accepted ? "vote.accepted" : "vote.refused", actor: actor, time: recorded.recordedAt,
                data: .object(data))
            try transitions(upTo: recorded.sequence)
        }
        try transitions(upTo: Int.max)
    }
}
