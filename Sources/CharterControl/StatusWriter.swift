import CharterGit
import CharterGovernance
import CharterModel
import CharterPlan
import CharterStatus
import CharterStore
import Crypto
import Foundation

/// Writes what the controller knows back to the repository's status branch, so people read it
/// with plain `git log` / `git show`: `status.yaml`, `STATUS.md`, and `proposals/<id>/` with the
/// proposal and its rendered diff.
public enum StatusWriter {
    /// The files of the status branch for `report` and the store's proposals.
    public static func files(for report: ReconcileReport, store: StateStore, now: Date) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let proposals = try store.proposals()
        let applied = try store.history(limit: 10)
        files["status.yaml"] = Array(YAMLWriter.document(statusValue(report, now: now)).utf8)
        files["STATUS.md"] = Array(markdown(report, proposals: proposals, applied: applied).utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        for p in proposals {
            let dir = "proposals/\(p.id)/"
            files[dir + "proposal.json"] = Array(try encoder.encode(p)) + [0x0A]
            if let changes = try store.changeSet(ofProposal: p.id) {
                let context = PlanContext(source: p.source.description, desiredRevision: p.head, actualRevision: p.base)
                files[dir + "diff.txt"] = Array(PlanRenderer(color: false).human(changes, context: context).utf8)
            }
        }
        return files
    }

    static func statusValue(_ r: ReconcileReport, now: Date) -> Value {
        let time = ISO8601DateFormatter().string(from: now)
        func condition(_ type: ReconcileReport.Condition) -> Value {
            [
                "type": .string(type.rawValue), "status": .string(r.condition == type ? "True" : "False"),
                "reason": .string(r.condition == type ? r.reason : ""),
                "message": .string(r.condition == type ? r.message : ""), "lastTransitionTime": .string(time),
            ]
        }
        return [
            "observedRevision": r.observedRevision.map(Value.string) ?? .null,
            "appliedRevision": r.appliedRevision.map(Value.string) ?? .null,
            "lastReconcileTime": .string(time),
            "conditions": [condition(.ready), condition(.reconciling), condition(.stalled)],
            "proposal": r.proposal.map { .string($0.id.description) } ?? .null,
        ]
    }

    static func markdown(_ r: ReconcileReport, proposals: [Proposal], applied: [AppliedRevision]) -> String {
        var s = "# Charter status\n\n"
        s += "**\(r.condition.rawValue)** — \(r.reason): \(r.message)\n\n"
        s += "- Applied revision: `\(r.appliedRevision ?? "none")`\n"
        s += "- Observed revision: `\(r.observedRevision ?? "none")`\n\n"
        let pending = proposals.filter { $0.state == .open || $0.state == .approved }
        s += "## Pending proposals\n\n"
        if pending.isEmpty { s += "None.\n" }
        for p in pending {
            s += "- **\(p.id)** (\(p.state.rawValue)), \(p.changes.count) change\(p.changes.count == 1 ? "" : "s"): "
            s += "\(p.explanation). Diff: `proposals/\(p.id)/diff.txt`; vote with "
            s += "`charter vote \(p.id) approve --as NAME --key KEYFILE`.\n"
        }
        s += "\n## Recent applies\n\n| # | revision | how | by | changes |\n| --- | --- | --- | --- | --- |\n"
        for a in applied {
            s +=
                "| \(a.sequence) | `\(a.revision.prefix(12))` | \(a.method.rawValue) | \(a.actor) | \(a.changeCount) |\n"
        }
        if !r.diagnostics.isEmpty {
            s += "\n## Errors in the observed revision\n\n```\n"
            s += r.diagnostics.prefix(50).map(\.description).joined(separator: "\n") + "\n```\n"
        }
        return s
    }

    /// Publishes `files` to the status branch of `location` (a path or URL) through a bare mirror
    /// in the data directory: compare-and-swap pushes, retried on a race, never forced.
    @discardableResult
    public static func publish(
        _ files: [String: [UInt8]], to location: String, branch: String, dataDirectory: URL, auth: GitAuth = .none,
        message: String
    ) async throws -> ObjectID {
        if !SourceRequest.isRemote(location) {
            return try await commitLocally(files, in: location, branch: branch, message: message)
        }
        let (repository, remote) = try await statusMirror(of: location, dataDirectory: dataDirectory)
        let publisher = StatusPublisher(repository: repository, remoteURL: remote, branch: branch, auth: auth)
        return try await publisher.publish(files, message: message)
    }

    /// A local repository is written directly (libgit2 cannot push into a non-bare repository): the
    /// commit is built without touching its working tree, and the branch moves by compare-and-swap,
    /// retried when someone else moved it in between.
    static func commitLocally(
        _ files: [String: [UInt8]], in location: String, branch: String, message: String
    ) async throws -> ObjectID {
        let repository = try await GitRepository.open(at: URL(fileURLWithPath: location).standardizedFileURL)
        let reference = "refs/heads/" + branch
        var attempt = 0
        while true {
            attempt += 1
            let tip = try await repository.headCommitOfBranch(reference)
            let commit = try await repository.createCommit(
                parent: tip, changes: files.mapValues { .write($0) }, message: message,
                author: GitSignature(name: "Charter", email: "charter@localhost"))
            if let tip, try await repository.commit(commit).tree == repository.commit(tip).tree { return tip }
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

    /// Reads one file of the status branch of `location`, fetching it first; nil when absent.
    public static func read(
        _ path: String, from location: String, branch: String, dataDirectory: URL, auth: GitAuth = .none
    ) async throws -> [UInt8]? {
        let ref = "refs/heads/" + branch
        let repository: GitRepository
        if SourceRequest.isRemote(location) {
            let (mirror, remote) = try await statusMirror(of: location, dataDirectory: dataDirectory)
            try await mirror.fetch(from: remote, refspecs: ["+\(ref):\(ref)"], auth: auth, prune: true)
            repository = mirror
        } else {
            repository = try await GitRepository.open(at: URL(fileURLWithPath: location).standardizedFileURL)
        }
        guard let tip = try await repository.headCommitOfBranch(ref),
            let blob = try await repository.blobID(at: tip, path: path)
        else { return nil }
        return try await repository.blobData(blob)
    }
}
