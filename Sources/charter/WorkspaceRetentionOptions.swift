import ArgumentParser
import CharterModel

/// `--workspace-retention`: how long a finished run's workspace stays on disk.
struct WorkspaceRetentionOptions: ParsableArguments {
    @Option(
        name: .customLong("workspace-retention"),
        help: ArgumentHelp(
            "How long a finished run's workspace is kept, such as 24h or 7d; `forever` keeps them all.",
            valueName: "DURATION"))
    var text = "24h"

    func validate() throws {
        guard text == "forever" || DurationText.parse(text) != nil else {
            throw ValidationError(
                "--workspace-retention \(text): expected a duration such as 24h or 7d, or `forever`")
        }
    }

    /// The retention; nil for `forever`.
    var retention: Duration? {
        text == "forever" ? nil : DurationText.parse(text).map { .milliseconds($0) }
    }
}
