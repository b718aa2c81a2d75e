import ArgumentParser
import CharterControl
import CharterFoundation
import CharterModel
import CharterStore
import Foundation

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Print the controller's events, newest last.",
        discussion: """
            Every apply, proposal transition and vote is an event in the store, hash-chained to the \
            one before (the same events are written to events/ on the status branch). Each line \
            shows the sequence number, time, type, actor and a summary of the event's data.

            --since takes a sequence number (events after it), a time (events at or after it: \
            2026-03-01, 2026-03-01T12:00:00Z) or an age (30m, 2h, 7d).

            Examples:
              charter log
              charter log --since 41
              charter log --since 2h -o json
            """)

    @Option(
        help: ArgumentHelp(
            "Only events after a sequence number, or at or after a time or age.", valueName: "TIME|SEQ"))
    var since: String?
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let since, EventFilter(since, now: Date()) == nil {
            throw ValidationError(
                "--since \(since): expected a sequence number, a time such as 2026-03-01T12:00:00Z or an age such as 2h"
            )
        }
    }

    func run() async throws {
        let filter = since.flatMap { EventFilter($0, now: Date()) }
        let events = try await CLIErrors.run {
            try StateStore(directory: global.dataDirectory).events().filter { filter?.includes($0) ?? true }
        }
        switch output {
        case .json:
            print(PrettyJSON.string(.array(events.map(\.value))), terminator: "")
        case .text:
            if events.isEmpty {
                print(since == nil ? "No events." : "No events since \(since!).")
                return
            }
            for event in events {
                let fields = [
                    String(event.sequence), Event.timestamp(event.time), event.type, event.actor,
                    EventSummary.text(event.data),
                ]
                print(Terminal.sanitize(fields.joined(separator: "  ")))
            }
        }
    }
}

/// Which events `--since` keeps.
enum EventFilter: Equatable {
    /// Events with a greater sequence number.
    case afterSequence(Int)
    /// Events at or after a time.
    case since(Date)

    /// Parses a sequence number, an RFC 3339 time or date (UTC unless it has an offset), or an age
    /// (`90s`, `30m`, `2h`, `7d`) counted back from `now`; nil for anything else.
    init?(_ text: String, now: Date) {
        if let sequence = Int(text), sequence >= 0 {
            self = .afterSequence(sequence)
            return
        }
        if let unit = text.last, let amount = Int(text.dropLast()), amount >= 0 {
            let seconds: Int? =
                switch unit {
                case "s": 1
                case "m": 60
                case "h": 3600
                case "d": 86400
                default: nil
                }
            if let seconds {
                self = .since(now.addingTimeInterval(-Double(amount * seconds)))
                return
            }
        }
        // An RFC 3339 time, or a bare date meaning its midnight in UTC.
        guard let date = Timestamp.parse(text) ?? Timestamp.parse(text + "T00:00:00Z") else { return nil }
        self = .since(date)
    }

    func includes(_ event: Event) -> Bool {
        switch self {
        case .afterSequence(let sequence): event.sequence > sequence
        case .since(let date): event.time >= date
        }
    }
}

/// A one-line summary of an event's data: its scalar fields as `key=value` (the telling ones first),
/// hashes and revisions shortened, the whole capped in length.
enum EventSummary {
    static let maximumLength = 100
    /// Fields shown first, when present: what the event is about before the details.
    static let priority = ["proposal", "voter", "decision", "from", "revision", "reason"]

    static func text(_ data: Value) -> String {
        guard let object = data.object else { return clip(scalar(data) ?? CanonicalJSON.string(data)) }
        var parts: [String] = []
        let first = priority.filter { object[$0] != nil }
        for key in first + CanonicalJSON.sortedKeys(object).filter({ !priority.contains($0) }) {
            guard let value = object[key] else { continue }
            if let text = scalar(value) {
                parts.append("\(key)=\(text)")
            } else if let array = value.array {
                parts.append("\(key)=[\(array.count)]")
            }
        }
        return clip(parts.joined(separator: " "))
    }

    static func scalar(_ value: Value) -> String? {
        switch value {
        case .string(let s):
            // Commit ids and sha256 digests are long; their first 12 hex digits identify them.
            if s.hasPrefix("sha256:"), s.utf8.count == 71 { return "sha256:" + s.dropFirst(7).prefix(12) }
            if s.utf8.count == 40 || s.utf8.count == 64, s.allSatisfy(\.isHexDigit) { return String(s.prefix(12)) }
            return s.contains(" ") ? CanonicalJSON.string(value) : s
        case .int, .double, .bool, .null: return CanonicalJSON.string(value)
        case .array, .object: return nil
        }
    }

    static func clip(_ text: String) -> String {
        text.count <= maximumLength ? text : String(text.prefix(maximumLength - 1)) + "…"
    }
}
