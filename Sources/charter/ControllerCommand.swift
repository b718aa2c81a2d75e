import ArgumentParser
import CharterAPI
import CharterControl
import CharterDashboard
import CharterModel
import CharterPrometheus
import CharterServer
import CharterStatus
import CharterStore
import Foundation
import Logging
import ServiceLifecycle

struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the governed loop until stopped: reconcile, write back, wait the poll interval.",
        discussion: """
            Each pass is `charter reconcile --once`. SIGINT or SIGTERM stops the loop after the pass in \
            flight (an apply is one transaction either way; after --shutdown-timeout the pass is \
            cancelled) and exits 0. Logs go to stderr, as text or JSON lines, with swift-log's level \
            names (trace, debug, info, notice, warning, error, critical). \
            The controller executes the runs of its data directory (routines on schedule, `charter \
            run --detach`, approvals), and with --webhook-listen a push webhook starts a pass at once.

            Examples:
              charter controller ./org
              charter controller ssh://git@host/org.git --ssh-key /etc/charter/key --log-format json
              charter controller ./org --interval 10s
              charter controller ./org --webhook-listen 127.0.0.1:8080 --webhook-secret-env CHARTER_WEBHOOK_SECRET
            """)

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// How long a shutdown waits for the pass in flight unless --shutdown-timeout says otherwise.
    static let defaultShutdownTimeout = Duration.seconds(30)

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
    @Option(
        name: .customLong("webhook-max-connections"),
        help: ArgumentHelp(
            "The most webhook connections open at once; at the cap, idle ones make room or new ones are closed.",
            valueName: "N"))
    var webhookMaxConnections = WebhookServerConfiguration.defaultMaximumConnections
    @Option(
        name: .customLong("webhook-read-timeout"),
        help: ArgumentHelp(
            "How long a webhook request may take to arrive, head and body (default: 10s).", valueName: "DURATION"))
    var webhookReadTimeout: String?
    @Option(
        name: .customLong("webhook-idle-timeout"),
        help: ArgumentHelp(
            "How long a webhook connection may sit idle between requests (default: 30s).", valueName: "DURATION"))
    var webhookIdleTimeout: String?
    @Option(
        name: .customLong("shutdown-timeout"),
        help: ArgumentHelp(
            "How long SIGTERM or SIGINT waits for the pass in flight before cancelling it (default: 30s).",
            valueName: "DURATION"))
    var shutdownTimeout: String?
    @OptionGroup var http: HTTPServerOptions
    @OptionGroup var global: GlobalOptions

    /// `--http-listen`, or the older `--webhook-listen` (the same server).
    var listen: String? { http.httpListen ?? webhookListen }

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
        for (flag, value) in [
            ("--webhook-read-timeout", webhookReadTimeout), ("--webhook-idle-timeout", webhookIdleTimeout),
            ("--shutdown-timeout", shutdownTimeout),
        ] {
            if let value, (DurationText.parse(value) ?? 0) <= 0 {
                throw ValidationError("\(flag) \(value): expected a positive duration such as 5s or 1m")
            }
        }
        if webhookMaxConnections < 1 {
            throw ValidationError("--webhook-max-connections \(webhookMaxConnections): expected at least 1")
        }
        if let webhookListen, Self.hostAndPort(webhookListen) == nil {
            throw ValidationError("--webhook-listen \(webhookListen): expected HOST:PORT, such as 127.0.0.1:8080")
        }
        if let httpListen = http.httpListen, Self.hostAndPort(httpListen) == nil {
            throw ValidationError("--http-listen \(httpListen): expected HOST:PORT, such as 127.0.0.1:8080")
        }
        if http.httpListen != nil && webhookListen != nil {
            throw ValidationError("--http-listen and --webhook-listen name the same server: give one")
        }
        if listen == nil && (webhookSecretEnv != nil || webhookAllowUnauthenticated) {
            throw ValidationError("--webhook-secret-env and --webhook-allow-unauthenticated need --http-listen")
        }
        if listen == nil && !(http.readTokenEnv + http.operatorTokenEnv).isEmpty {
            throw ValidationError("--read-token-env and --operator-token-env need --http-listen")
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
        _ = MetricsExporter.process  // swift-metrics' one bootstrap, before anything records
        let json = logFormat == .json
        // One logger for the whole process: the controller's lines, the webhook server's, and
        // Hummingbird's and ServiceLifecycle's, in one format with swift-log's level names.
        let logger = Logger(label: "charter") { _ in
            LogLineHandler { line in
                FileHandle.standardError.write(Data((Terminal.sanitize(line.render(json: json)) + "\n").utf8))
            }
        }
        let log: @Sendable (LogLine) -> Void = { logger.log($0) }
        let data = global.dataDirectory
        // The webhook listener is the controller's own: steps may not reach it.
        let reservedEndpoints: [EgressRules.Endpoint] =
            (listen.flatMap(Self.hostAndPort)).map { host, port -> [EgressRules.Endpoint] in
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
                proposals: ProposalTarget(
                    location: try source.request().location ?? ".", branch: branch, auth: try source.request().auth,
                    dataDirectory: data),
                onEvent: { event in CapacitySetup.logLine(for: event, at: Date()).map(log) })
        }
        for note in capacity.notes { log(LogLine(time: Date(), level: .warning, message: note, fields: [:])) }
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
        let notifier = Notifier(store: store, dataDirectory: data, actor: controller.actor)
        controller.notifier = notifier
        let readiness = Readiness()
        let access = http.access(host: listen.flatMap(Self.hostAndPort)?.0 ?? "127.0.0.1")
        let routes = try await CLIErrors.run {
            try httpRoutes(store: store, runs: runs, access: access, latest: controller.latest)
        }
        let server = try await CLIErrors.run { try webhookServer(readiness: readiness, logger: logger, routes: routes) }
        log(
            LogLine(
                time: Date(), level: .info, message: "controller started",
                fields: ["repository": source.location ?? "."]))
        // SIGTERM and SIGINT shut the group down gracefully, in reverse order: the controller first
        // (not ready, the pass in flight finishes), then the server (stop accepting, finish requests).
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let server { services.append(.init(service: server, serviceName: "webhook server")) }
        services.append(
            .init(
                service: ControllerService(controller: controller, server: server, readiness: readiness, log: log),
                successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "controller"))
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration =
            shutdownTimeout.flatMap(DurationText.parse).map {
                .milliseconds($0)
            } ?? Self.defaultShutdownTimeout
        var failure: (any Error)?
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            failure = error
        }
        await runs.engine.halt()
        await capacity.shutdown()
        await notifier.shutdown()
        if let failure {
            log(LogLine(time: Date(), level: .error, message: "controller failed: \(failure)", fields: [:]))
            throw ExitCode(1)
        }
        log(LogLine(time: Date(), level: .info, message: "shutdown complete", fields: [:]))
    }

    /// What the HTTP server serves besides webhooks and probes; each concern adds its routes here.
    func httpRoutes(
        store: StateStore, runs: RunService, access: APIAccess, latest: LatestPass
    ) throws
        -> [any HTTPRoutes]
    {
        let request = try source.request()
        let location = request.location ?? "."
        let data = global.dataDirectory
        // An accepted vote goes where `charter vote` puts it: the applied Organization's status branch.
        let publishVote: APIRoutes.VotePublisher = { path, bytes, message in
            let branch = try store.actualState().organization?.statusBranch ?? StatusPublisher.defaultBranch
            _ = try await StatusWriter.publish(
                [path: bytes], to: location, branch: branch, dataDirectory: data, auth: request.auth, message: message)
        }
        return [
            APIRoutes(
                dataDirectory: data, state: store, runs: runs.store, latest: latest, access: access,
                publishVote: publishVote),
            MetricsRoutes(exporter: .process, access: access, refresh: StateMetrics(store: store, runs: runs).record),
            DashboardRoutes(dataDirectory: data, state: store, runs: runs.store, latest: latest, access: access),
        ]
    }

    /// The webhook server that `--webhook-listen` asks for, else nil.
    func webhookServer(readiness: Readiness, logger: Logger, routes: [any HTTPRoutes] = []) throws -> WebhookServer? {
        guard let listen, let (host, port) = Self.hostAndPort(listen) else { return nil }
        var configuration = WebhookServerConfiguration(
            host: host, port: port, secret: webhookSecretEnv.flatMap { WebhookSecret(environmentVariable: $0) },
            allowUnauthenticated: webhookAllowUnauthenticated)
        // `--webhook-listen` promises webhooks (and so needs a secret); `--http-listen` takes them
        // only when one is configured.
        configuration.acceptsWebhooks = webhookListen != nil || webhookSecretEnv != nil || webhookAllowUnauthenticated
        configuration.maximumConnections = webhookMaxConnections
        if let text = webhookReadTimeout, let ms = DurationText.parse(text) {
            configuration.readTimeout = .milliseconds(ms)
        }
        if let text = webhookIdleTimeout, let ms = DurationText.parse(text) {
            configuration.idleTimeout = .milliseconds(ms)
        }
        return try WebhookServer(configuration: configuration, readiness: readiness, routes: routes, logger: logger)
    }
}
