import CharterFoundation
import CharterGit
import CharterGovernance
import CharterModel
import CharterPlan
import CharterStatus
import CharterStore
import Crypto
import Foundation

/// Writes what the controller knows back to the repository's status branch, so people read it
/// with plain `git log` / `git show`: `status.yaml`, `STATUS.md`, `proposals/<id>/` with the
/// proposal and its rendered diff, and the store's events as immutable, hash-chained events files
/// (`events/YYYY/MM/DD/<first>-<last>.jsonl.gz`).
public enum StatusWriter {
    /// How many entries Charter ignores `status.yaml` and `STATUS.md` list; the count is always given.
    static let listedEntries = 100

    /// The files of the status branch for `report` and the store's proposals and events.
    ///
    /// The store's events after `publishedSequence` (the last sequence number already on the status
    /// branch) become one new events file. Without it every event of the store goes into the file, and
    /// ``publish(_:to:branch:dataDirectory:auth:message:cache:)`` trims the batch to the events the branch
    /// does not hold yet — so a write-back never duplicates an event and the chain continues across files.
    ///
    /// `previousConditions` are the conditions of the `status.yaml` on the branch: one whose status,
    /// reason and message are unchanged keeps its `lastTransitionTime`, so a pass that changes nothing
    /// writes the same files and commits nothing.
    public static func files(
        for report: ReconcileReport, store: StateStore, now: Date, publishedSequence: Int? = nil,
        runs: RunOverview? = nil, previousConditions: [StatusCondition] = []
    ) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let unpublished = try store.events().filter { $0.sequence > (publishedSequence ?? 0) }
        if !unpublished.isEmpty {
            let file = EventFile.file(for: unpublished)
            files[file.path] = file.bytes
        }
        // The change sets the events name, so the branch alone can rebuild the store.
        for event in unpublished {
            guard let hash = event.data["changeSetBlob"]?.string else { continue }
            let path = BlobStore.path(forHash: hash)
            if files[path] == nil, let bytes = try store.blob(hash) { files[path] = bytes }
        }
        let proposals = try store.proposals()
        let applied = try store.history(limit: 10)
        files["status.yaml"] = Array(
            YAMLWriter.document(statusValue(report, now: now, previousConditions: previousConditions)).utf8)
        // Values in it were escaped line by line; this catches anything hidden that slipped through.
        files["STATUS.md"] = Array(
            DisplayText.sanitized(markdown(report, proposals: proposals, applied: applied) + (runs?.markdown ?? ""))
                .utf8)
        for p in proposals {
            let dir = "proposals/\(p.id)/"
            files[dir + "proposal.json"] = Array(try Proposal.json(p)) + [0x0A]
            if let changes = try store.changeSet(ofProposal: p.id) {
                let context = PlanContext(source: p.source.description, desiredRevision: p.head, actualRevision: p.base)
                files[dir + "diff.txt"] = Array(PlanRenderer(color: false).human(changes, context: context).utf8)
            }
        }
        return files
    }

    /// `status.yaml`: the revisions, the three conditions (only the pass's is `True`), the proposal,
    /// and what the pass found wrong with proposal branches and the status branch itself. No field
    /// changes with the time alone: there is no "last pass at", and a condition keeps its
    /// `lastTransitionTime` while it stays the same (see ``StatusCondition``).
    /// `status.yaml`'s content: the revisions, the three conditions, the proposal and any problems.
    public static func statusValue(
        _ r: ReconcileReport, now: Date, previousConditions: [StatusCondition] = []
    )
        -> Value
    {
        let time = Timestamp.utc(now)
        func condition(_ type: ReconcileReport.Condition) -> Value {
            let active = r.condition == type
            return StatusCondition(
                type: type.rawValue, status: active ? "True" : "False", reason: active ? r.reason.rawValue : "",
                message: active ? r.message : "", lastTransitionTime: time
            ).keepingTime(of: previousConditions).value
        }
        var value: [String: Value] = [
            "observedRevision": r.observedRevision.map(Value.string) ?? .null,
            "appliedRevision": r.appliedRevision.map(Value.string) ?? .null,
            "conditions": [condition(.ready), condition(.reconciling), condition(.stalled)],
            "proposal": r.proposal.map { .string($0.id.description) } ?? .null,
        ]
        if !r.branches.isEmpty {
            value["proposalBranches"] = .array(
                r.branches.map {
                    [
                        "branch": .string($0.branch), "reason": .string($0.reason.rawValue),
                        "message": .string($0.message),
                        "proposal": $0.proposal.map { .string($0.description) } ?? .null,
                    ]
                })
        }
        func problems(_ list: [FileProblem]) -> Value {
            .array(list.map { ["path": .string($0.path), "reason": .string($0.reason)] })
        }
        if !r.damagedEventFiles.isEmpty { value["damagedEventFiles"] = problems(r.damagedEventFiles) }
        if !r.foreignEntries.isEmpty {
            // Whoever can push the branch decides how many there are: the file lists a bounded number.
            value["foreignEntries"] = problems(Array(r.foreignEntries.prefix(StatusWriter.listedEntries)))
            value["foreignEntryCount"] = .int(r.foreignEntries.count)
        }
        return .object(value)
    }

    /// The votes `p` refused, one sub-item each with the reason — what people reading the status
    /// branch need so that a vote which does not count is never mistaken for one not yet cast.
    /// Voters, paths and reasons come from vote files: escaped, on one line.
    static func refusedVotes(of p: Proposal) -> String {
        var s = ""
        for v in p.votes where !v.accepted {
            s += "  - refused: \(StatusText.code(v.vote.voter)) \(v.vote.decision.rawValue) — "
            s += StatusText.line(v.reason ?? "") + "\n"
        }
        for file in p.refusedVoteFiles {
            s += "  - refused: \(StatusText.code(file.path)) — "
            s += StatusText.line(file.reason) + "\n"
        }
        return s
    }

    static func markdown(_ r: ReconcileReport, proposals: [Proposal], applied: [AppliedRevision]) -> String {
        var s = "# Charter status\n\n"
        s += "**\(r.condition.rawValue)** — \(r.reason): \(StatusText.line(r.message))\n\n"
        s += "- Applied revision: `\(r.appliedRevision ?? "none")`\n"
        s += "- Observed revision: `\(r.observedRevision ?? "none")`\n\n"
        let pending = proposals.filter { $0.state == .open || $0.state == .approved }
        s += "## Pending proposals\n\n"
        if pending.isEmpty { s += "None.\n" }
        for p in pending {
            s += "- **\(p.id)** (\(p.state.rawValue)), \(p.changes.count) change\(p.changes.count == 1 ? "" : "s"): "
            s += "\(p.explanation). Diff: `proposals/\(p.id)/diff.txt`; vote with "
            s += "`charter vote \(p.id) approve --as NAME --key KEYFILE`.\n"
            s += refusedVotes(of: p)
        }
        if !r.branches.isEmpty {
            s += "\n## Proposal branches\n\n"
            for b in r.branches {
                s += "- \(StatusText.code(b.branch)): **\(b.reason)** — \(StatusText.line(b.message))\n"
            }
        }
        s += "\n## Recent applies\n\n| # | revision | how | by | changes |\n| --- | --- | --- | --- | --- |\n"
        for a in applied {
            s +=
                "| \(a.sequence) | `\(a.revision.prefix(12))` | \(a.method.rawValue) | \(a.actor) | \(a.changeCount) |\n"
        }
        if !r.damagedEventFiles.isEmpty {
            s += "\n## Damaged events files\n\n"
            s +=
                "Charter never rewrites these; their events are written again in new files where the store has them.\n\n"
            for p in r.damagedEventFiles { s += "- \(StatusText.code(p.path)): \(StatusText.line(p.reason))\n" }
        }
        if !r.foreignEntries.isEmpty {
            s += "\n## Entries Charter ignores\n\n"
            s += "These are not files Charter writes: no decision reads them and no write changes them.\n\n"
            for p in r.foreignEntries.prefix(listedEntries) {
                s += "- \(StatusText.code(p.path)): \(StatusText.line(p.reason))\n"
            }
            if r.foreignEntries.count > listedEntries {
                s += "- … and \(r.foreignEntries.count - listedEntries) more (`charter verify` lists them all)\n"
            }
        }
        if !r.diagnostics.isEmpty {
            s += "\n## Errors in the observed revision\n\n```\n"
            s += r.diagnostics.prefix(50).map(\.description).joined(separator: "\n") + "\n```\n"
        }
        return s
    }

    /// Publishes `files` to the status branch of `location` (a path or URL) through a bare mirror
    /// in the data directory: compare-and-swap pushes, retried on a race, never forced.
    ///
    /// Events files in `files` are replaced by new files holding exactly the events the branch lacks
    /// (see ``missingEvents(_:in:at:cache:)``); `cache` spares reading the branch's events files again.
    @discardableResult
    public static func publish(
        _ files: [String: [UInt8]], to location: String, branch: String, dataDirectory: URL, auth: GitAuth = .none,
        message: String, cache: EventFileCache? = nil
    ) async throws -> ObjectID {
        FailPoint.hit("writeback.before-commit")
        if !SourceRequest.isRemote(location) {
            return try await commitLocally(files, in: location, branch: branch, message: message, cache: cache)
        }
        let (repository, remote) = try await statusMirror(of: location, dataDirectory: dataDirectory)
        var files = files
        if files.keys.contains(where: EventFile.isEventFile) {
            let reference = "refs/heads/" + branch
            try await repository.fetch(from: remote, refspecs: ["+\(reference):\(reference)"], auth: auth, prune: true)
            let tip = try await repository.headCommitOfBranch(reference)
            files = try await missingEvents(files, in: repository, at: tip, cache: cache)
            files = try await droppingPublishedBlobs(files, in: repository, at: tip)
        }
        let publisher = StatusPublisher(repository: repository, remoteURL: remote, branch: branch, auth: auth)
        return try await publisher.publish(files, message: message)
    }

    /// `files` with its events files replaced by new ones holding the events of the batch that the
    /// branch at `tip` lacks: those after its last event, and those of any events file there that cannot
    /// be read or is gone (see ``PublishedEvents``). No existing file is written over: a new file whose
    /// usual name a damaged file holds is named as a copy.
    ///
    /// When the branch's events are not the batch's (written from another store, or edited), the events
    /// are left out rather than published broken; the pass reports it (`EventsDiverged`) and
    /// `charter verify` names the event.
    static func missingEvents(
        _ files: [String: [UInt8]], in repository: GitRepository, at tip: ObjectID?, cache: EventFileCache?
    ) async throws -> [String: [UInt8]] {
        let eventPaths = files.keys.filter(EventFile.isEventFile)
        guard !eventPaths.isEmpty else { return files }
        var result = files
        var candidates: [Event] = []
        for path in eventPaths {
            candidates += try EventFile.read(files[path]!, path: path)
            result[path] = nil
        }
        candidates.sort { $0.sequence < $1.sequence }
        let published = try await PublishedEvents.read(from: repository, at: tip, cache: cache)
        for file in published.missingFiles(from: candidates) { result[file.path] = file.bytes }
        return result
    }

    /// `files` without the blobs the branch at `tip` already holds: a blob's path is its content's
    /// hash, so a present one is the same bytes, and writing it again would only cost time.
    static func droppingPublishedBlobs(
        _ files: [String: [UInt8]], in repository: GitRepository, at tip: ObjectID?
    ) async throws -> [String: [UInt8]] {
        guard let tip else { return files }
        var result = files
        for path in files.keys where BlobStore.hash(ofPath: path) != nil {
            if try await repository.blobID(at: tip, path: path) != nil { result[path] = nil }
        }
        return result
    }

    /// A local repository is written directly (libgit2 cannot push into a non-bare repository): the
    /// commit is built without touching its working tree, and the branch moves by compare-and-swap,
    /// retried when someone else moved it in between.
    static func commitLocally(
        _ files: [String: [UInt8]], in location: String, branch: String, message: String,
        cache: EventFileCache? = nil
    ) async throws -> ObjectID {
        let repository = try await GitRepository.open(at: URL(fileURLWithPath: location).standardizedFileURL)
        let reference = "refs/heads/" + branch
        var attempt = 0
        while true {
            attempt += 1
            let tip = try await repository.headCommitOfBranch(reference)
            var files = try await missingEvents(files, in: repository, at: tip, cache: cache)
            files = try await droppingPublishedBlobs(files, in: repository, at: tip)
            let commit = try await repository.createCommit(
                parent: tip, changes: files.mapValues { .write($0) }, message: message,
                author: GitSignature(name: "Charter", email: "charter@localhost"))
            if let tip, try await repository.commit(commit).tree == repository.commit(tip).tree { return tip }
            FailPoint.hit("writeback.before-ref-update")
            do {
                try await repository.updateRef(reference, to: commit, expected: tip, message: "charter: status")
                return commit
            } catch let error as GitError where error.code == .modified && attempt < 5 {
                continue
            }
        }
    }

    /// The bare mirror that status-branch commits are built in, and the remote to push to.
    static func statusMirror(of location: String, dataDirectory: URL) async throws -> (GitRepository, String) {
        let key = SHA256.hash(data: Array("status:\(location)".utf8)).prefix(8).map { String(format: "%02x", $0) }
            .joined()
        let dir = dataDirectory.appendingPathComponent("mirrors").appendingPathComponent("status-\(key).git")
        let remote =
            SourceRequest.isRemote(location) ? location : URL(fileURLWithPath: location).standardizedFileURL.path
        return (try await GitRepository.openOrCreateBare(at: dir), remote)
    }

    /// The repository holding the status `branch` of `location`: the local repository itself, or for a
    /// URL the status mirror in `dataDirectory`, with the branch fetched first.
    public static func statusRepository(
        of location: String, branch: String, dataDirectory: URL, auth: GitAuth = .none
    ) async throws -> GitRepository {
        guard SourceRequest.isRemote(location) else {
            return try await GitRepository.open(at: URL(fileURLWithPath: location).standardizedFileURL)
        }
        let reference = "refs/heads/" + branch
        let (mirror, remote) = try await statusMirror(of: location, dataDirectory: dataDirectory)
        try await mirror.fetch(from: remote, refspecs: ["+\(reference):\(reference)"], auth: auth, prune: true)
        return mirror
    }

    /// Reads one file of the status branch of `location`, fetching it first; nil when absent.
    public static func read(
        _ path: String, from location: String, branch: String, dataDirectory: URL, auth: GitAuth = .none
    ) async throws -> [UInt8]? {
        let ref = "refs/heads/" + branch
        let repository = try await statusRepository(
            of: location, branch: branch, dataDirectory: dataDirectory, auth: auth)
        guard let tip = try await repository.headCommitOfBranch(ref),
            let blob = try await repository.blobID(at: tip, path: path)
        else { return nil }
        return try await repository.blobData(blob)
    }
}
