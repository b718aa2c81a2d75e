import CharterModel
import CharterStore

/// How a run's shell steps were confined, read from their `step.succeeded` and `step.failed`
/// events: which ran unsandboxed (a Policy allowed it where bubblewrap did not work) and what their
/// network did. Every view of a run shows these: `charter show RUN`, `summary.yaml` and
/// `SUMMARY.md` on the status branch, and `charter logs` through the events themselves.
public struct RunSandboxNotes: Sendable, Hashable {
    /// Per step, the note of its last attempt that ran unsandboxed.
    public var unsandboxed: [String: String] = [:]
    /// Per step, its last attempt's connections: `connections`, `refused`, `refusedDestinations`.
    public var network: [String: Value] = [:]

    /// Nothing to note.
    public init() {}

    /// The notes in `events` (one run's).
    public init(events: [Event]) {
        for event in events where event.type == "step.succeeded" || event.type == "step.failed" {
            guard let step = event.data["step"]?.string else { continue }
            if let note = event.data["unsandboxed"]?.string { unsandboxed[step] = note }
            if let network = event.data["network"] { self.network[step] = network }
        }
    }

    /// `12 connections, 1 refused (169.254.169.254:80)`.
    public func networkText(_ step: String) -> String? {
        guard let n = network[step] else { return nil }
        var text = "\(n["connections"]?.int ?? 0) connections, \(n["refused"]?.int ?? 0) refused"
        let destinations = n["refusedDestinations"]?.array?.compactMap(\.string) ?? []
        if !destinations.isEmpty { text += " (\(destinations.joined(separator: ", ")))" }
        return text
    }

    /// The warning a person must see first, or nil when every step was sandboxed.
    public var warning: String? {
        guard !unsandboxed.isEmpty else { return nil }
        return "UNSANDBOXED: "
            + unsandboxed.keys.sorted().map { "step `\($0)` \(unsandboxed[$0]!)" }.joined(separator: "; ")
    }
}
