import CharterFoundation
import Foundation

/// The controller's most recent pass, for readers in the same process: the API's status, the
/// dashboard's overview. Conditions live here and on the status branch, not in the store: they
/// describe a pass, and the next pass recomputes them.
public final class LatestPass: Sendable {
    /// A finished pass.
    public struct Pass: Sendable {
        /// What it found.
        public let report: ReconcileReport
        /// When it finished.
        public let finishedAt: Date
    }

    private let pass = Locked<Pass?>(nil)

    /// Nothing recorded yet.
    public init() {}

    /// Records the pass that just finished.
    public func record(_ report: ReconcileReport, at time: Date) {
        pass.withLock { $0 = Pass(report: report, finishedAt: time) }
    }

    /// The last recorded pass, if any.
    public var current: Pass? { pass.withLock { $0 } }
}
