import CharterGit
import CharterModel
import CharterStatus
import CharterStore
import Foundation

/// What a pass finds on the status branch before it writes there: entries that are not Charter's,
/// events files that cannot be read, whether the branch's events are the store's, and the conditions
/// of the `status.yaml` there (so a condition that did not change keeps its `lastTransitionTime`).
///
/// Nothing found here stops the pass or the write-back: foreign entries are reported and left alone,
/// the events of a damaged file are written again in a new file, and only a record that is not the
/// store's (another store's events) holds the events back.
public struct StatusBranchInspection: Sendable {
    /// The branch's tip, nil when it does not exist yet.
    public var tip: ObjectID?
    /// Entries that are not Charter's, sorted by path.
    public var foreignEntries: [FileProblem] = []
    /// What the events files hold.
    public var events = PublishedEvents()
    /// The first branch event that is not the store's, if any (see ``PublishedEvents/divergence(from:)``).
    public var divergence: EventChainProblem?
    /// The new events files the write-back will add (their paths), given the store's events.
    public var plannedEventFiles: [String] = []
    /// The damaged events files, each with why and where its events are (or will be, after this
    /// write-back).
    public var damagedEventFiles: [FileProblem] = []
    /// The conditions of the `status.yaml` at the tip.
    public var previousConditions: [StatusCondition] = []

    /// Reads the status `branch` of `repository` at its tip, against the store's events.
    public static func inspect(
        _ repository: GitRepository, branch: String, storeEvents: [Event], cache: EventFileCache? = nil
    ) async throws -> StatusBranchInspection {
        var result = StatusBranchInspection()
        guard let tip = try await repository.headCommitOfBranch("refs/heads/" + branch) else { return result }
        result.tip = tip
        let files = try await repository.listFiles(at: tip)
        result.foreignEntries = files.compactMap { file in
            StatusLayout.problem(path: file.path, mode: file.mode).map { FileProblem(path: file.path, reason: $0) }
        }
        result.events = await PublishedEvents.read(
            files.filter { EventFile.isEventFile($0.path) }, in: repository, cache: cache)
        result.divergence = result.events.divergence(from: storeEvents)
        let planned = result.events.missingFiles(from: storeEvents)
        result.plannedEventFiles = planned.map(\.path)
        // Where each damaged file's events are once this write-back is done.
        var after = result.events
        for file in planned { after.add(try EventFile.read(file.bytes, path: file.path), from: file.path) }
        result.damagedEventFiles = result.events.damaged.map { damage in
            FileProblem(path: damage.path, reason: describe(damage, copies: after.copies(of: damage)))
        }
        if let status = files.first(where: { $0.path == "status.yaml" && $0.mode == .regular }),
            try await repository.blobSize(status.blob) <= 1 << 20
        {
            result.previousConditions = StatusCondition.conditions(
                inStatusYAML: try await repository.blobData(status.blob))
        }
        return result
    }

    /// "cannot be read (why); its events N…M are in PATHS", or what is known of them.
    static func describe(_ damage: EventFileError, copies: [String]?) -> String {
        var text = "cannot be read (\(damage.message))"
        guard let range = EventFile.sequenceRange(ofPath: damage.path) else {
            return text + "; its name does not say which events it held"
        }
        let events = range.count == 1 ? "event \(range.lowerBound)" : "events \(range.lowerBound)…\(range.upperBound)"
        if let copies {
            text += "; its \(events) are written again in \(copies.joined(separator: ", "))"
        } else {
            text += "; its \(events) are on the branch nowhere else, and the store does not have them all"
        }
        return text
    }

    /// `report` with what was found: the problems listed, and the pass Stalled when the event record
    /// is damaged or is not the store's — the pass's own outcome stays in the message.
    public func annotate(_ report: inout ReconcileReport, branch: String) {
        report.foreignEntries = foreignEntries
        report.damagedEventFiles = damagedEventFiles
        let outcome = "the pass: \(report.condition.rawValue) \(report.reason) — \(report.message)"
        if let divergence {
            report.condition = .stalled
            report.reason = .eventsDiverged
            report.message =
                "the events on \(branch) are not this store's (\(divergence)), so no event is written there; "
                + "rebuild the store from the branch (`charter rebuild --replace`) or point the controller at its own status branch; "
                + outcome
        } else if let first = damagedEventFiles.first {
            let others = damagedEventFiles.count > 1 ? " (and \(damagedEventFiles.count - 1) more)" : ""
            report.condition = .stalled
            report.reason = .eventsDamaged
            report.message =
                "\(first.path)\(others) on \(branch) \(first.reason); the damaged file is left as it is: find out how it got there, "
                + "then remove it with a new commit on \(branch) (history keeps it); "
                + outcome
        }
    }
}
