/// A request to fetch now, standing for one or more accepted webhook deliveries.
public struct FetchTrigger: Sendable, Hashable {
    /// At most this many refs are kept, so a flood of deliveries cannot grow a pending trigger.
    public static let maximumRefs = 32

    /// The forge of the latest delivery.
    public var provider: WebhookProvider
    /// The latest delivery's event name (`push`, `Push Hook`, …), if its forge sent one.
    public var event: String?
    /// The refs the deliveries named (`refs/heads/main`), first seen first, without duplicates; empty
    /// when none named one. A hint only: the controller fetches everything it watches anyway.
    public var refs: [String]
    /// How many accepted deliveries this trigger stands for: more than one when a burst coalesced.
    public var deliveries: Int

    /// A trigger for one delivery.
    public init(provider: WebhookProvider, event: String? = nil, refs: [String] = [], deliveries: Int = 1) {
        self.provider = provider
        self.event = event
        self.refs = refs
        self.deliveries = deliveries
    }

    /// This trigger with `newer` folded in: one fetch serves both.
    func merged(with newer: FetchTrigger) -> FetchTrigger {
        var result = newer
        var refs = self.refs
        for ref in newer.refs where !refs.contains(ref) && refs.count < Self.maximumRefs {
            refs.append(ref)
        }
        result.refs = refs
        result.deliveries = deliveries + newer.deliveries
        return result
    }
}
