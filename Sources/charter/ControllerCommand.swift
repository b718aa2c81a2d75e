import ArgumentParser
import CharterControl
import CharterModel
import CharterStore
import Dispatch
import Foundation

struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the governed loop until stopped: reconcile, write back, wait the poll interval.",
        discussion: """
            Each pass is `charter reconcile --once`. SIGINT or SIGTERM stops the loop after the pass in
            flight (an apply is one transaction either way). Logs go to stderr, as text or JSON lines.

            Examples:
              charter controller ./org
              charter controller ssh://git@host/org.git --ssh-key /etc/charter/key --log-format json
              charter controller ./org --interval 10s
            """)

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var source: SourceOptions
    @Option(help: ArgumentHelp("The watched branch.", valueName: "BRANCH")) var branch: String?
    @Option(help: ArgumentHelp("Poll interval such as 30s or 5m (default: the Organization's).", valueName: "DURATION"))
    var interval: String?
    @Option(name: .customLong("log-format"), help: "Log lines as text or json.") var logFormat: LogFormat = .text
    @Flag(name: .customLong("no-write-back"), help: "Do not write to the status branch.") var noWriteBack = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let interval, DurationText.parse(interval) == nil {
            throw ValidationError("--interval \(interval): expected a duration such as 30s, 5m or 1h")
        }
        if source.rev != nil { throw ValidationError("use --branch to choose the watched branch, not --rev") }
    }

    func run() async throws {
        let json = logFormat == .json
        let log: @Sendable (LogLine) -> Void = { line in
            FileHandle.standardError.write(Data((Terminal.sanitize(line.render(json: json)) + "\n").utf8))
        }
        let controller = try await CLIErrors.run {
            let request = try source.request()
            return Controller(
                location: request.location ?? ".", branch: branch,
                store: try StateStore(directory: global.dataDirectory), dataDirectory: global.dataDirectory,
                auth: request.auth, actor: Operations.defaultActor(),
                interval: interval.flatMap(DurationText.parse).map { .milliseconds($0) }, writeBack: !noWriteBack,
                log: log)
        }
        let stop = StopRequest()
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                log(LogLine(time: Date(), level: "info", message: "stopping after the pass in flight", fields: [:]))
                stop.stop()
            }
            source.resume()
            sources.append(source)
        }
        log(
            LogLine(
                time: Date(), level: "info", message: "controller started",
                fields: ["repository": source.location ?? "."]))
        await controller.run(until: stop)
        sources.forEach { $0.cancel() }
    }
}
