import ArgumentParser
import CharterControl
import CharterModel
import CharterServer
import CharterStore
import Dispatch
import Foundation

struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the governed loop until stopped: reconcile, write back, wait the poll interval.",
        discussion: """
            Each pass is `charter reconcile --once`. SIGINT or SIGTERM stops the loop after the pass in \
            flight (an apply is one transaction either way). Logs go to stderr, as text or JSON lines. \
            The controller executes the runs of its data directory (routines on schedule, `charter \
            run --detach`, approvals), and with --webhook-listen a push webhook starts a pass at once.

            Examples:
              charter controller ./org
              charter controller ssh://git@host/org.git --ssh-key /etc/charter/key --log-format json
              charter controller ./org --interval 10s
              charter controller ./org --webhook-listen 127.0.0.1:8080 --webhook-secret-env CHARTER_WEBHOOK_SECRET
            """)

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var source: SourceOptions
    @Option(help: ArgumentHelp("The watched branch.", valueName: "BRANCH")) var branch: String?
    @Option(help: ArgumentHelp("Poll interval such as 30s or 5m (default: the Organization's).", valueName: "DURATION"))
    var interval: String?
    @Option(name: .customLong("log-format"), help: "Log lines as text or json.") var logFormat: LogFormat = .text
    @OptionGroup var workspaces: WorkspaceRetentionOptions
    @Flag(name: .customLong("no-write-back"), help: "Do not write to the status branch.") var noWriteBack = false
    @Option(
        name: .customLong("webhook-listen"),
        help: ArgumentHelp(
            "Serve POST /hooks/git (a push triggers a pass at once), /healthz and /readyz on HOST:PORT.",
            valueName: "HOST:PORT"))
    var webhookListen: String?
    @Option(
        name: .customLong("webhook-secret-env"),
        help: ArgumentHelp(
            "The environment variable holding the webhook secret (GitHub/Gitea HMAC, GitLab token or bearer).",
            valueName: "NAME"))
    var webhookSecretEnv: String?
    @Flag(
        name: .customLong("webhook-allow-unauthenticated"),
        help: "Accept unsigned webhooks (loopback addresses only; for local testing).")
    var webhookAllowUnauthenticated = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let interval {
            guard let ms = DurationText.parse(interval) else {
                throw ValidationError("--interval \(interval): expected a duration such as 30s, 5m or 1h")
            }
            if ms < 1000 {
                throw ValidationError("--interval \(interval): at least 1s, or passes would start back to back")
            }
        }
        if source.rev != nil { throw ValidationError("use --branch to choose the watched branch, not --rev") }
        if let webhookListen, Self.hostAndPort(webhookListen) == nil {
            throw ValidationError("--webhook-listen \(webhookListen): expected HOST:PORT, such as 127.0.0.1:8080")
        }
        if webhookListen == nil && (webhookSecretEnv != nil || webhookAllowUnauthenticated) {
            throw ValidationError("--webhook-secret-env and --webhook-allow-unauthenticated need --webhook-listen")
        }
        if let name = webhookSecretEnv, WebhookSecret(environmentVariable: name) == nil {
            throw ValidationError("--webhook-secret-env \(name): the variable is not set or empty")
        }
    }

    static func hostAndPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port), colon > text.startIndex
        else { return nil }
        return (String(text[..<colon]), port)
    }

    func run() async throws {
        let json = logFormat == .json
        let log: @Sendable (LogLine) -> Void = { line in
            FileHandle.standardError.write(Data((Terminal.sanitize(line.render(json: json)) + "\n").utf8))
        }
        let data = global.dataDirectory
        // The webhook listener is the controller's own: steps may not reach it.
        let reservedEndpoints: [EgressRules.Endpoint] =
            (webhookListen.flatMap(Self.hostAndPort)).map { host, port -> [EgressRules.Endpoint] in
                // A name or the any-address stands for every address of this machine.
                let address = IPAddress(literal: host).flatMap { $0.range == .unspecified ? nil : $0 }
                return [EgressRules.Endpoint(address: address, port: port)]
            } ?? []
        let lock = try await CLIErrors.run { try EngineLock.tryAcquire(dataDirectory: data) }
        guard let lock else {
            Terminal.printError(
                "error: another process (a controller or `charter run`) executes runs for \(data.path); stop it first")
            throw ExitCode(1)
        }
        defer { lock.release() }
        // One store for the controller's life: the applied state is read once and reused until an apply.
        let store = try await CLIErrors.run { try StateStore(directory: data) }
        let (runs, capacity) = try await CLIErrors.run {
            try RunService.withCapacity(
                dataDirectory: data, actual: try store.actualState(), reservedEndpoints: reservedEndpoints,
                onEvent: { event in CapacitySetup.logLine(for: event, at: Date()).map(log) })
        }
        for note in capacity.notes { log(LogLine(time: Date(), level: "warn", message: note, fields: [:])) }
        try await CLIErrors.run { try await runs.start() }
        // Cancellations and runs recorded by other processes are picked up within a second.
        let poller = Task {
            while !Task.isCancelled {
                try? await runs.engine.poll()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { poller.cancel() }
        var controller = try await CLIErrors.run {
            let request = try source.request()
            return Controller(
                location: request.location ?? ".", branch: branch,
                store: store, dataDirectory: global.dataDirectory,
                auth: request.auth, actor: Operations.defaultActor(),
                interval: interval.flatMap(DurationText.parse).map { .milliseconds($0) }, writeBack: !noWriteBack,
                log: log, runs: runs)
        }
        controller.workspaceRetention = workspaces.retention
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
        if let webhookListen, let (host, port) = Self.hostAndPort(webhookListen) {
            let server = try await CLIErrors.run {
                try WebhookServer(
                    configuration: WebhookServerConfiguration(
                        host: host, port: port,
                        secret: webhookSecretEnv.flatMap { WebhookSecret(environmentVariable: $0) },
                        allowUnauthenticated: webhookAllowUnauthenticated),
                    log: { level, message, fields in
                        log(LogLine(time: Date(), level: level, message: message, fields: fields))
                    })
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                let bound = try await CLIErrors.run { try await server.listeningPort() }
                log(
                    LogLine(time: Date(), level: "info", message: "webhooks on \(host):\(bound)/hooks/git", fields: [:])
                )
                // A push webhook ends the wait between passes early; the poll interval still applies without one.
                await controller.run(until: stop) { interval, stop in
                    await withTaskGroup(of: Void.self) { wait in
                        wait.addTask { await Controller.sleep(interval, stop) }
                        wait.addTask {
                            if let trigger = await server.triggers.next() {
                                log(
                                    LogLine(
                                        time: Date(), level: "info", message: "webhook: fetching now",
                                        fields: [
                                            "provider": trigger.provider.rawValue,
                                            "deliveries": String(trigger.deliveries),
                                        ]))
                            } else {
                                await Controller.sleep(interval, stop)
                            }
                        }
                        await wait.next()
                        wait.cancelAll()
                    }
                }
                group.cancelAll()
            }
        } else {
            await controller.run(until: stop)
        }
        sources.forEach { $0.cancel() }
        await runs.engine.halt()
        await capacity.shutdown()
    }
}
