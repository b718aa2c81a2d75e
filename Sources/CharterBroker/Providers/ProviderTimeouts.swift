/// How long a provider waits, in three bounds, because AsyncHTTPClient's own request deadline ends
/// when the response head arrives and a model can then stream (or stall) for as long as it likes.
///
/// - `connect`: establishing the connection (TCP and TLS).
/// - `idleRead`: the longest silence between two reads, head or body; a stalled stream fails after
///   this much quiet even when the overall bound is far away.
/// - `overall`: the whole call, from sending the request to the last byte of the answer.
///
/// `connect` and `idleRead` are settings of the HTTP client (see ``ProviderHTTPClient``), so every
/// provider sharing a client shares them; `overall` is enforced per call by the provider.
public struct ProviderTimeouts: Sendable, Hashable {
    /// The most time to establish a connection.
    public var connect: Duration
    /// The most time without receiving a byte once the request is sent.
    public var idleRead: Duration
    /// The most time for a whole call, answer body included.
    public var overall: Duration

    /// Bounds for a provider.
    public init(connect: Duration = .seconds(10), idleRead: Duration = .seconds(60), overall: Duration = .seconds(600))
    {
        self.connect = connect
        self.idleRead = idleRead
        self.overall = overall
    }

    /// 10 s to connect, 60 s of silence at most (reasoning models can think quietly for a while
    /// before the first token), 10 minutes for a whole answer.
    public static let `default` = ProviderTimeouts()
}
