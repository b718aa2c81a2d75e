/// Receives the server's log lines: a level (`info`, `warning`), a message and fields. The fields
/// never hold the secret, a signature or a token; the shape matches the controller's `LogLine`.
public typealias WebhookLog = @Sendable (_ level: String, _ message: String, _ fields: [String: String]) -> Void
