import CharterModel
import Foundation

/// The applied state last read by a ``StateStore``, under the key it was read at.
final class StateCache: @unchecked Sendable {
    // Guards `entry`; held only to copy a value in or out.
    private let lock = NSLock()
    private var entry: (key: String, state: OrgState)?

    /// The cached state when it was read at `key`.
    func get(_ key: String) -> OrgState? {
        lock.withLock { entry?.key == key ? entry?.state : nil }
    }

    func set(_ key: String, _ state: OrgState) {
        lock.withLock { entry = (key, state) }
    }
}
