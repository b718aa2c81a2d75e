import CharterGit
import CharterGovernance
import CharterModel
import CharterStatus
import CharterStore
import Foundation

/// Checks everything on a status branch that can be checked without trusting it: the event hash chain
/// across every events file, the content hashes of blobs, the signature of every vote file against the
/// voter's keys in the applied state, and that every `proposals/<id>/proposal.json` parses.
public enum StatusVerifier {
    /// Verifies the status `branch` of `location` (a path or URL; a remote is fetched into the status
    /// mirror in `dataDirectory` first). Keys come from `actual` (the applied state), never from the
    /// branch; `storeEvents`, when not empty, anchors the chain: a branch event must equal the store's.
    public static func verify(
        location: String, branch: String, dataDirectory: URL, auth: GitAuth = .none, actual: OrgState,
        storeEvents: [Event] = []
    ) async throws -> StatusVerification {
        let reference = "refs/heads/" + branch
        let repository = try await StatusWriter.statusRepository(
            of: location, branch: branch, dataDirectory: dataDirectory, auth: auth)
        let tip = try await repository.headCommitOfBranch(reference)
        return try await verify(
            repository: repository, branch: branch, tip: tip, actual: actual, storeEvents: storeEvents)
    }

    /// Verifies the status branch `branch` whose tip is `tip` (nil when the branch does not exist).
    public static func verify(
        repository: GitRepository, branch: String, tip: ObjectID?, actual: OrgState, storeEvents: [Event] = []
    ) async throws -> StatusVerification {
        var result = StatusVerification(branch: branch, tip: tip)
        guard let tip else { return result }
        let files = try await repository.listFiles(at: tip)

        // Entries that are not Charter's: reported, and left out of the checks below.
        result.foreignEntries = files.compactMap { file in
            StatusLayout.problem(path: file.path, mode: file.mode).map { FileProblem(path: file.path, reason: $0) }
        }

        // Events: read every file; unreadable ones are reported and leave a gap the chain check names,
        // unless their events are in another file too (written again by the controller).
        var readable: [String: [UInt8]] = [:]
        var published = PublishedEvents()
        for file in files where EventFile.isEventFile(file.path) {
            switch await EventFile.read(file, in: repository) {
            case .success(let events):
                readable[file.path] = try await repository.blobData(file.blob)
                published.add(events, from: file.path)
            case .failure(let error): result.unreadableEventFiles.append(error)
            }
        }
        result.unreadableEventFiles.sort { $0.path < $1.path }
        for damage in result.unreadableEventFiles {
            if let copies = published.copies(of: damage) { result.eventFileCopies[damage.path] = copies }
        }
        result.eventFileCount = readable.count + result.unreadableEventFiles.count
        let chain = try EventChain(files: readable)
        result.eventCount = chain.events.count
        result.chainProblem = chain.verify()
        if !storeEvents.isEmpty {
            let stored = Dictionary(storeEvents.map { ($0.sequence, $0.hash) }, uniquingKeysWith: { first, _ in first })
            for (event, path) in zip(chain.events, chain.paths) {
                if let hash = stored[event.sequence], hash != event.hash {
                    result.storeMismatch = EventChainProblem(
                        sequence: event.sequence, path: path,
                        message: "differs from event \(event.sequence) in the store")
                    break
                }
            }
            let published = chain.events.last?.sequence ?? 0
            result.unpublishedEventCount = storeEvents.filter { $0.sequence > published }.count
        }

        // Blobs.
        result.blobCount = files.filter { $0.path.hasPrefix(BlobStore.directory + "/") }.count
        result.blobProblems = try await BlobStore.verify(in: repository, at: tip)

        // Proposals: every proposal.json must decode, under the directory of its own id.
        var changeSetHashes: [String: String] = [:]
        for file in files
        where file.path.hasPrefix("proposals/") && file.path.hasSuffix("/proposal.json")
            && StatusLayout.problem(path: file.path, mode: file.mode) == nil
        {
            result.proposalCount += 1
            let parts = file.path.split(separator: "/")
            let directory = parts.count == 3 ? String(parts[1]) : ""
            do {
                let proposal = try Proposal.decodeJSON(Data(try await repository.blobData(file.blob)))
                if proposal.id.description != directory {
                    result.proposalProblems.append(
                        FileProblem(path: file.path, reason: "holds proposal \(proposal.id), not \(directory)"))
                } else {
                    changeSetHashes[directory] = proposal.changeSetHash
                }
            } catch {
                result.proposalProblems.append(
                    FileProblem(path: file.path, reason: "does not parse: \(describe(error))"))
            }
        }

        // Votes: each signature against the voter's keys in the applied state.
        let votePrefix = Reconciler.votesDirectory + "/"
        for file in files.sorted(by: { $0.path < $1.path })
        where file.path.hasPrefix(votePrefix) && StatusLayout.problem(path: file.path, mode: file.mode) == nil {
            result.voteCount += 1
            let bytes = try await repository.blobData(file.blob)
            if let reason = refusal(
                ofVote: bytes, path: file.path, mode: file.mode, actual: actual, hashes: changeSetHashes)
            {
                result.refusedVotes.append(FileProblem(path: file.path, reason: reason))
            }
        }
        return result
    }

    /// Why the vote file at `path` is refused, or nil when it is a valid vote under the one
    /// ``VoteVerifier`` rule the passes use.
    static func refusal(
        ofVote bytes: [UInt8], path: String, mode: GitFileMode, actual: OrgState, hashes: [String: String]
    ) -> String? {
        guard mode == .regular else { return "not a regular file" }
        let directory = path.dropFirst(Reconciler.votesDirectory.count + 1).split(separator: "/").dropLast()
            .joined(separator: "/")
        switch VoteVerifier(actual: actual).check(bytes, subject: directory, hash: hashes[directory]) {
        case .valid: return nil
        case .refused(_, let reason): return reason
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty
                ? context.debugDescription
                : "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}

/// A file of the status branch that fails verification, and why.
public struct FileProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file's path in the status branch.
    public var path: String
    /// Why it fails.
    public var reason: String

    /// A problem with the file at `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// "path: reason".
    public var description: String { "\(path): \(reason)" }
}

/// What `StatusVerifier` found on a status branch.
public struct StatusVerification: Sendable {
    /// The status branch's short name.
    public var branch: String
    /// Its tip, or nil when the branch does not exist (which fails verification).
    public var tip: ObjectID?
    /// Events read from the branch.
    public var eventCount = 0
    /// Events files on the branch.
    public var eventFileCount = 0
    /// Events files that cannot be read at all, sorted by path.
    public var unreadableEventFiles: [EventFileError] = []
    /// For an unreadable events file whose events (by its name's range) are all in readable files too —
    /// written again by the controller — those files, by the unreadable file's path.
    public var eventFileCopies: [String: [String]] = [:]
    /// Entries that are not Charter's (names git refuses, symlinks, shapes Charter never writes).
    public var foreignEntries: [FileProblem] = []
    /// The first break of the hash chain across all events files.
    public var chainProblem: EventChainProblem?
    /// The first branch event that differs from the store's event with the same sequence number.
    public var storeMismatch: EventChainProblem?
    /// Events of the store not on the branch yet (written back by the next reconcile).
    public var unpublishedEventCount = 0
    /// Blobs on the branch.
    public var blobCount = 0
    /// Blobs whose contents do not match their path.
    public var blobProblems: [BlobProblem] = []
    /// Vote files on the branch.
    public var voteCount = 0
    /// Vote files whose signature (or shape) does not verify.
    public var refusedVotes: [FileProblem] = []
    /// `proposal.json` files on the branch.
    public var proposalCount = 0
    /// `proposal.json` files that do not parse.
    public var proposalProblems: [FileProblem] = []

    /// An empty result for `branch` at `tip`.
    public init(branch: String, tip: ObjectID?) {
        self.branch = branch
        self.tip = tip
    }

    /// Whether the branch exists and every check passed.
    public var passed: Bool {
        tip != nil && unreadableEventFiles.isEmpty && chainProblem == nil && storeMismatch == nil
            && blobProblems.isEmpty && refusedVotes.isEmpty && proposalProblems.isEmpty && foreignEntries.isEmpty
    }

    /// The result as JSON: `ok`, then one object per check.
    public var value: Value {
        func problem(_ p: EventChainProblem?) -> Value {
            guard let p else { return .null }
            return [
                "sequence": .int(p.sequence), "path": p.path.map(Value.string) ?? .null, "message": .string(p.message),
            ]
        }
        func list(_ problems: [FileProblem]) -> Value {
            .array(problems.map { ["path": .string($0.path), "reason": .string($0.reason)] })
        }
        return [
            "ok": .bool(passed), "branch": .string(branch), "tip": tip.map { .string($0.hex) } ?? .null,
            "events": [
                "ok": .bool(unreadableEventFiles.isEmpty && chainProblem == nil && storeMismatch == nil),
                "count": .int(eventCount), "files": .int(eventFileCount), "unpublished": .int(unpublishedEventCount),
                "firstBroken": problem(chainProblem), "storeMismatch": problem(storeMismatch),
                "unreadable": .array(
                    unreadableEventFiles.map {
                        [
                            "path": .string($0.path), "reason": .string($0.description),
                            "sequenceRange": EventFile.sequenceRange(ofPath: $0.path).map {
                                [.int($0.lowerBound), .int($0.upperBound)]
                            } ?? .null,
                            "alsoIn": eventFileCopies[$0.path].map { .array($0.map(Value.string)) } ?? .null,
                        ]
                    }),
            ],
            "layout": ["ok": .bool(foreignEntries.isEmpty), "foreign": list(foreignEntries)],
            "blobs": [
                "ok": .bool(blobProblems.isEmpty), "count": .int(blobCount),
                "problems": .array(blobProblems.map { ["path": .string($0.path), "reason": .string($0.description)] }),
            ],
            "votes": ["ok": .bool(refusedVotes.isEmpty), "count": .int(voteCount), "refused": list(refusedVotes)],
            "proposals": [
                "ok": .bool(proposalProblems.isEmpty), "count": .int(proposalCount), "problems": list(proposalProblems),
            ],
        ]
    }
}
