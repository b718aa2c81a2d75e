import ArgumentParser
import CharterBroker
import CharterControl
import CharterFoundation
import CharterModel
import CharterScheduling
import Foundation

struct CostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Show LLM usage and cost from the usage ledger, grouped by role, routine, source, day, model or run.",
        discussion: """
            Every agent call is recorded before it is made (its reservation) and settled with the \
            provider's real usage after, so nothing is spent without a record. Costs come from the \
            prices on each CapacitySource, in micro-dollars, exactly. Calls charged at their \
            reservation (interrupted, or a stream that never reported usage) are marked estimated. \
            Calls refused before any provider saw them (a budget reached, no capacity before the \
            step's deadline) cost nothing and are counted as refused, not as calls. A run's own \
            tokens and cost are in `charter show RUN` and its SUMMARY.md on the status branch.

            Examples:
              charter cost
              charter cost --by routine --since 7d
              charter cost --by day --since 2026-11-01T00:00:00Z -o json
            """)

    @Option(help: "Group by role, routine, source, day, model or run.") var by: String = "source"
    @Option(help: ArgumentHelp("Only calls since this time (RFC 3339) or this long ago (24h, 7d).", valueName: "TIME"))
    var since: String?
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard UsageGrouping(rawValue: by) != nil else {
            throw ValidationError(
                "--by \(by): expected one of \(UsageGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let since, Self.start(since, now: Date()) == nil {
            throw ValidationError("--since \(since): expected an RFC 3339 time or a duration such as 24h or 7d")
        }
    }

    static func start(_ text: String, now: Date) -> Date? {
        if let date = Timestamp.parse(text) { return date }
        if text.hasSuffix("d"), let days = Int(text.dropLast()), days >= 0 {
            return now.addingTimeInterval(-Double(days) * 86_400)
        }
        return DurationText.parse(text).map { now.addingTimeInterval(-Double($0) / 1000) }
    }

    func run() async throws {
        let grouping = UsageGrouping(rawValue: by)!
        let from = since.flatMap { Self.start($0, now: Date()) } ?? Date(timeIntervalSince1970: 0)
        let totals = try await CLIErrors.run {
            try UsageLedger(directory: global.dataDirectory).totals(by: grouping, since: from)
        }
        switch output {
        case .json:
            let value = CostView.rows(totals, by: grouping)
            print(PrettyJSON.string(value), terminator: "")
        case .text:
            if totals.isEmpty {
                print("No LLM calls recorded\(since.map { " since \($0)" } ?? "").")
                return
            }
            let width = max(by.count, totals.map(\.key.count).max() ?? 0)
            func pad(_ s: String, _ n: Int) -> String {
                s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0)
            }
            var s = "\(pad(by, width))  calls  input    output   cached   cost\n"
            for t in totals {
                s += "\(pad(t.key, width))  \(pad(String(t.calls), 5))  \(pad(String(t.usage.input), 7))  "
                s += "\(pad(String(t.usage.output), 7))  \(pad(String(t.usage.cachedInput), 7))  \(t.costText)"
                s += t.estimated > 0 ? "  (\(t.estimated) estimated)" : ""
                s += t.failures > 0 ? "  (\(t.failures) failed)" : ""
                s += t.refused > 0 ? "  (\(t.refused) refused)" : ""
                s += "\n"
            }
            let total = totals.reduce(Int64(0)) { $0 + $1.costMicros }
            s += "total \(TokenPrices.usd(total))\n"
            print(Terminal.sanitize(s), terminator: "")
        }
    }
}
