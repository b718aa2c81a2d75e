import CharterGit
import CharterGovernance
import CharterModel
import CharterStatus
import CharterStore
import Foundation

/// What `charter rebuild` found and made.
public struct RebuildReport: Sendable {
    /// The status branch read.
    public var branch: String
    /// Its tip.
    public var tip: ObjectID
    /// The directory of the rebuilt store.
    public var directory: URL
    /// What was recreated.
    public var summary: RebuildSummary
    /// The rebuilt store's ``StateStore/stateHash()``.
    public var stateHash: String
    /// Events files that could not be read and were not needed: every event their names say they held
    /// is in another file (the controller wrote them again). Each with why it cannot be read.
    public var skippedEventFiles: [FileProblem] = []
    /// Entries of the branch that Charter never writes (see ``StatusLayout``), left out of the rebuild.
    public var ignoredEntries: [FileProblem] = []
}

/// Recreates the SQLite index from the status branch alone: the event chain (verified first), the
/// change sets in `blobs/` that the apply events name, and `proposals/<id>/proposal.json`.
public enum StatusRebuilder {
    /// Rebuilds into a new store in `directory` (which must not hold a store yet) from the status
    /// `branch` of `location` (a path or URL; a remote is fetched into the status mirror first).
    public static func rebuild(
        location: String, branch: String, dataDirectory: URL, auth: GitAuth = .none, into directory: URL
    ) async throws -> RebuildReport {
        let reference = "refs/heads/" + branch
        let repository = try await StatusWriter.statusRepository(
            of: location, branch: branch, dataDirectory: dataDirectory, auth: auth)
        guard let tip = try await repository.headCommitOfBranch(reference) else {
            throw SourceError("\(location) has no status branch \(branch); nothing to rebuild from")
        }
        let files = try await repository.listFiles(at: tip)
        let (chain, unreadable) = try await EventChain.readReadable(from: repository, at: tip)
        // An unreadable file is no loss when every event its name claims is in a readable file too;
        // otherwise the branch alone cannot say what happened, and the rebuild names what is missing.
        var published = PublishedEvents()
        for (event, path) in zip(chain.events, chain.paths) { published.add([event], from: path) }
        var skipped: [FileProblem] = []
        var lost: [String] = []
        for damage in unreadable {
            if let copies = published.copies(of: damage) {
                skipped.append(
                    FileProblem(
                        path: damage.path,
                        reason: "\(damage.message); its events are also in \(copies.joined(separator: ", "))"))
            } else if let range = EventFile.sequenceRange(ofPath: damage.path) {
                let missing = range.filter { published.events[$0] == nil }
                lost.append(
                    range.count == 1
                        ? "\(damage.path) (\(damage.message)) held event \(range.lowerBound), which is in no other file"
                        : "\(damage.path) (\(damage.message)) held events \(range.lowerBound)…\(range.upperBound), of which \(Self.ranges(missing)) are in no other file"
                )
            } else {
                lost.append("\(damage.path) (\(damage.message)), whose name does not say which events it held")
            }
        }
        if !lost.isEmpty {
            throw SourceError(
                "cannot rebuild from \(branch): events files that cannot be read: \(lost.joined(separator: "; ")). "
                    + "A controller whose store holds those events writes them again on its next pass; otherwise restore the files from a copy of the branch"
            )
        }
        if let problem = chain.verify() {
            throw SourceError(
                "the event chain on \(branch) is broken (\(problem)); run `charter verify` and repair the branch first")
        }
        var blobs: [String: [UInt8]] = [:]
        var proposals: [Proposal] = []
        var ignored: [FileProblem] = []
        for file in files {
            // An entry Charter never writes is not part of the record, whatever it holds.
            if let problem = StatusLayout.problem(path: file.path, mode: file.mode) {
                ignored.append(FileProblem(path: file.path, reason: problem))
                continue
            }
            if let hash = BlobStore.hash(ofPath: file.path) {
                let bytes = try await repository.blobData(file.blob)
                guard BlobStore.hash(bytes) == hash else {
                    throw SourceError("\(file.path) on \(branch) does not hash to its name; run `charter verify`")
                }
                blobs[hash] = bytes
            } else if file.path.hasPrefix("proposals/"), file.path.hasSuffix("/proposal.json") {
                do {
                    proposals.append(try Proposal.decodeJSON(Data(try await repository.blobData(file.blob))))
                } catch {
                    throw SourceError("\(file.path) on \(branch) does not parse: \(error)")
                }
            }
        }
        let store = try StateStore(directory: directory)
        let summary = try store.rebuild(from: RebuildInput(events: chain.events, blobs: blobs, proposals: proposals))
        return RebuildReport(
            branch: branch, tip: tip, directory: directory, summary: summary, stateHash: try store.stateHash(),
            skippedEventFiles: skipped, ignoredEntries: ignored)
    }

    /// `[2, 3, 4, 7]` as `2…4, 7`.
    static func ranges(_ numbers: [Int]) -> String {
        var runs: [ClosedRange<Int>] = []
        for n in numbers.sorted() {
            if let last = runs.last, n == last.upperBound + 1 {
                runs[runs.count - 1] = last.lowerBound...n
            } else {
                runs.append(n...n)
            }
        }
        return runs.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)…\($0.upperBound)" }
            .joined(separator: ", ")
    }
}
