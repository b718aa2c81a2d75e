import ArgumentParser
import CharterControl
import CharterFoundation
import CharterModel
import CharterScheduling
import Foundation

struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Inspect when routines fire.",
        discussion: """
            Routines fire on Vixie/Debian cron in their own time zone, else the Organization's; \
            docs/SCHEDULING.md explains missed ticks, starting deadlines and concurrency policies.
            """,
        subcommands: [ScheduleNextCommand.self])
}

struct ScheduleNextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Show the next fire times of a routine or of a cron expression.",
        discussion: """
            Each line shows the wall time in the schedule's zone with its UTC \
            offset, the weekday, and the same instant in UTC. Daylight-saving \
            changes follow Debian cron: a fixed-time job in a skipped hour fires \
            when the hour ends, and in a repeated hour fires once.

            Examples:
              charter schedule next platform-standup
              charter schedule next nightly-code-review ./org --rev main -o json
              charter schedule next --cron "30 2 * * *" --tz Europe/Berlin \\
                --from 2026-03-28T00:00:00Z --count 3
            """)

    @Argument(help: ArgumentHelp("A Routine in the organization repository.", valueName: "ROUTINE"))
    var routine: String?
    @Option(help: ArgumentHelp("A cron expression to try instead of a routine.", valueName: "EXPR")) var cron: String?
    @Option(
        name: .customLong("tz"),
        help: ArgumentHelp("IANA time zone for --cron (default: UTC).", valueName: "ZONE"))
    var timeZone: String?
    @Option(
        help: ArgumentHelp(
            "List fire times after this instant: RFC 3339 with an offset, such as 2026-03-29T00:00:00+01:00 (default: now).",
            valueName: "TIME"))
    var from: String?
    @Option(help: ArgumentHelp("How many fire times to list, 1 to \(Self.maximumCount)", valueName: "N"))
    var count = 5
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    static let maximumCount = 1_000

    func validate() throws {
        switch (routine, cron) {
        case (nil, nil): throw ValidationError("name a ROUTINE, or give --cron EXPR")
        case (.some, .some):
            throw ValidationError("give either ROUTINE or --cron EXPR, not both (a repository path follows ROUTINE)")
        case (nil, .some):
            if source.location != nil || source.rev != nil {
                throw ValidationError("a repository (PATH|URL, --rev) is read only for a ROUTINE, not with --cron")
            }
        case (.some, nil):
            if timeZone != nil {
                throw ValidationError("--tz applies to --cron; a routine uses its own timeZone or the Organization's")
            }
        }
        guard (1...Self.maximumCount).contains(count) else {
            throw ValidationError("--count must be between 1 and \(Self.maximumCount), not \(count)")
        }
        if let from, Timestamp.parse(from) == nil {
            throw ValidationError(
                "--from `\(from)` is not an RFC 3339 time with an offset; write e.g. 2026-03-29T00:00:00Z "
                    + "or 2026-03-29T01:00:00+01:00")
        }
        if let cron { _ = try Self.parse(cron: cron, timeZone: timeZone) }
    }

    func run() async throws {
        let scheduled: ScheduledRoutine
        var enabled = true
        if let cron {
            scheduled = try Self.parse(cron: cron, timeZone: timeZone)
        } else {
            let name = routine ?? ""
            let loaded = try await CLIErrors.run {
                try await Operations.load(try source.request(), dataDirectory: global.dataDirectory)
            }
            let state = loaded.result.state
            guard let found = state.routines[name] else {
                throw ValidationError(Self.unknownRoutine(name, in: loaded))
            }
            enabled = found.enabled
            do {
                scheduled = try ScheduledRoutine(found, organizationTimeZone: state.organization?.timeZone ?? "UTC")
            } catch {
                throw ValidationError(error.description)
            }
        }
        let start = from.flatMap(Timestamp.parse) ?? Date()
        let fires = Scheduler.nextFires(of: scheduled.expression, in: scheduled.timeZone, after: start, count: count)
        let zone = scheduled.timeZone
        switch output {
        case .json:
            let value: Value = [
                "routine": routine.map(Value.string) ?? .null, "schedule": .string(scheduled.expression.source),
                "timeZone": .string(zone.identifier), "enabled": .bool(enabled), "from": .string(Timestamp.utc(start)),
                "fires": .array(
                    fires.map { fire in
                        var entry: [String: Value] = [
                            "local": .string(Timestamp.local(fire, in: zone)), "utc": .string(Timestamp.utc(fire)),
                            "weekday": .string(Timestamp.weekday(fire, in: zone)),
                        ]
                        if let routine { entry["runId"] = .string(RunID.scheduled(routine: routine, at: fire)) }
                        return .object(entry)
                    }),
            ]
            print(PrettyJSON.string(value), terminator: "")
        case .text:
            if !enabled, let routine {
                Terminal.printError("note: Routine/\(routine) is disabled; it would fire at these times once enabled")
            }
            for fire in fires {
                print(
                    "\(Timestamp.local(fire, in: zone))  \(Timestamp.weekday(fire, in: zone))  \(Timestamp.utc(fire))")
            }
            if fires.count < count {
                Terminal.printError("note: the schedule fires only \(fires.count) more time(s) before the year 10000")
            }
        }
    }

    static func parse(cron: String, timeZone: String?) throws -> ScheduledRoutine {
        do {
            return try ScheduledRoutine(name: "cron", schedule: cron, timeZone: timeZone ?? "UTC")
        } catch {
            throw ValidationError(error.description)
        }
    }

    static func unknownRoutine(_ name: String, in loaded: LoadedRevision) -> String {
        let names = loaded.result.state.routines.keys.sorted()
        var message = "no Routine `\(name)` in \(loaded.source.description)"
        if let suggestion = Suggestion.closest(to: name, in: names) {
            message += "; did you mean `\(suggestion)`?"
        } else if !names.isEmpty {
            message += "; routines: \(names.joined(separator: ", "))"
        }
        if !loaded.result.isValid {
            message += " (the repository has \(loaded.result.errorCount) error(s); run `charter validate`)"
        }
        return Terminal.sanitize(message)
    }
}
