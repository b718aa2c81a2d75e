import CharterModel
import CharterYAML

/// One condition of `status.yaml`, the way Kubernetes (kstatus) and Flux write them.
///
/// `lastTransitionTime` is when the condition last changed — its status, reason or message — not when
/// a pass last ran: a pass that finds everything as it was writes the same condition, time included,
/// so an idle controller commits nothing.
public struct StatusCondition: Sendable, Hashable {
    /// `Ready`, `Reconciling` or `Stalled`.
    public var type: String
    /// `True` or `False`.
    public var status: String
    public var reason: String
    public var message: String
    /// RFC 3339, UTC.
    public var lastTransitionTime: String

    public init(type: String, status: String, reason: String, message: String, lastTransitionTime: String) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }

    /// This condition, with the time of the condition of the same type in `previous` when that one has
    /// the same status, reason and message.
    public func keepingTime(of previous: [StatusCondition]) -> StatusCondition {
        guard
            let old = previous.first(where: { $0.type == type }), old.status == status, old.reason == reason,
            old.message == message, !old.lastTransitionTime.isEmpty
        else { return self }
        var kept = self
        kept.lastTransitionTime = old.lastTransitionTime
        return kept
    }

    /// The condition as status.yaml holds it.
    public var value: Value {
        [
            "type": .string(type), "status": .string(status), "reason": .string(reason),
            "message": .string(message), "lastTransitionTime": .string(lastTransitionTime),
        ]
    }

    /// The conditions of a `status.yaml` document; none when it does not parse or has none. The file is
    /// on a branch anyone with push access can write, so nothing in it is trusted beyond these strings.
    public static func conditions(inStatusYAML bytes: [UInt8]) -> [StatusCondition] {
        guard let documents = try? YAMLParser.parse(bytes, limits: YAMLLimits(maxBytes: 1 << 20)),
            case .mapping(let pairs)? = documents.first?.root?.content,
            case .sequence(let items)? = pairs.first(where: { $0.key.scalarText == "conditions" })?.value.content
        else { return [] }
        return items.compactMap { item in
            guard case .mapping(let fields) = item.content else { return nil }
            func text(_ key: String) -> String? { fields.first { $0.key.scalarText == key }?.value.scalarText }
            guard let type = text("type"), let status = text("status") else { return nil }
            return StatusCondition(
                type: type, status: status, reason: text("reason") ?? "", message: text("message") ?? "",
                lastTransitionTime: text("lastTransitionTime") ?? "")
        }
    }
}
