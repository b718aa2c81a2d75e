import CharterControl
import CharterServer
import Foundation
import ServiceLifecycle

/// The controller loop as a service of `charter controller`'s `ServiceGroup`.
///
/// Its graceful shutdown (SIGTERM or SIGINT) marks the process not ready and lets the pass in
/// flight finish before the loop returns; cancellation (the shutdown took too long) also cancels
/// the pass. The first completed pass, whatever its outcome, makes the process ready.
struct ControllerService: Service {
    var controller: Controller
    /// The webhook server whose triggers start a pass early, if any.
    var server: WebhookServer?
    var readiness: Readiness
    var log: @Sendable (LogLine) -> Void

    func run() async throws {
        if let server {
            // No pass before the listener is up: a port in use ends the group before any work.
            let port = try await server.listeningPort()
            log(info("webhooks on \(server.configuration.host):\(port)/hooks/git"))
        }
        let stop = StopRequest()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                _ = await controller.run(until: stop) { interval, stop in await wait(interval, stop) }
            } onCancel: {
                stop.stop()
            }
        } onGracefulShutdown: { [readiness, log] in
            readiness.markStopping()
            log(LogLine(time: Date(), level: .notice, message: "stopping after the pass in flight", fields: [:]))
            stop.stop()
        }
    }

    /// Between passes: the first call means the first pass completed. A push webhook ends the wait
    /// early; the poll interval still applies without one.
    private func wait(_ interval: Duration, _ stop: StopRequest) async {
        if readiness.state == .starting {
            readiness.markReady()
            log(info("ready: the first pass completed"))
        }
        guard let server else { return await Controller.sleep(interval, stop) }
        await withTaskGroup(of: Void.self) { wait in
            wait.addTask { await Controller.sleep(interval, stop) }
            wait.addTask {
                if let trigger = await server.triggers.next() {
                    log(
                        info(
                            "webhook: fetching now",
                            ["provider": trigger.provider.rawValue, "deliveries": String(trigger.deliveries)]))
                } else {
                    await Controller.sleep(interval, stop)
                }
            }
            await wait.next()
            wait.cancelAll()
        }
    }

    private func info(_ message: String, _ fields: [String: String] = [:]) -> LogLine {
        LogLine(time: Date(), level: .info, message: message, fields: fields)
    }
}
