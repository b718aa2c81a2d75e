import NIOCore

extension EgressProxy {
    /// The proxy's limits. Every wait is bounded, so a step cannot hold the controller's resources
    /// by opening connections and going quiet.
    public struct Configuration: Sendable, Hashable {
        /// Tunnels open at once, counting connections still sending their request; more are
        /// answered `503`.
        public var maximumTunnels: Int
        /// How long a client has to send its whole request head before it is disconnected.
        public var headTimeout: TimeAmount
        /// How long a tunnel may carry no bytes in either direction before both ends are closed.
        public var idleTimeout: TimeAmount
        /// How long resolving the name and connecting to an address may take (each).
        public var connectTimeout: TimeAmount
        /// The largest request head accepted (request line and headers); larger ones get `431`.
        public var maximumHeadBytes: Int
        /// Log entries kept; later ones are only counted.
        public var maximumLogEntries: Int
        /// Name lookups of this step in progress at once; more are answered `503`. Lookups block a
        /// thread of the proxies' shared resolver pool until the system resolver answers, so one
        /// step flooding names at a resolver that never answers must not take every thread.
        public var maximumLookups: Int

        /// Creates a configuration; the defaults suit a step's traffic.
        public init(
            maximumTunnels: Int = 64, headTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .minutes(5),
            connectTimeout: TimeAmount = .seconds(10), maximumHeadBytes: Int = 8192, maximumLogEntries: Int = 1000,
            maximumLookups: Int = 4
        ) {
            self.maximumLookups = maximumLookups
            self.maximumTunnels = maximumTunnels
            self.headTimeout = headTimeout
            self.idleTimeout = idleTimeout
            self.connectTimeout = connectTimeout
            self.maximumHeadBytes = maximumHeadBytes
            self.maximumLogEntries = maximumLogEntries
        }
    }
}
