import CharterModel
import Foundation
import GRDB

extension RunStore {
    /// Each routine's most recent finished run (succeeded, failed or cancelled), newest first: a
    /// routine whose last finished run failed is failing, whatever older runs did. One query over
    /// the `(routine, seq)` index, so it stays cheap with thousands of routines.
    public func latestFinishedPerRoutine() throws(RunStoreError) -> [RunRecord] {
        let sql = """
            SELECT run.* FROM run JOIN (
                SELECT MAX(seq) AS seq FROM run
                WHERE routine IS NOT NULL AND state IN ('succeeded', 'failed', 'cancelled') GROUP BY routine
            ) AS latest ON run.seq = latest.seq ORDER BY run.seq DESC
            """
        do {
            return try pool.read { db in try Row.fetchAll(db, sql: sql).map(Self.runRecord) }
        } catch {
            throw RunStoreError("list routines' latest runs", path: path, error)
        }
    }
}
