import CharterScheduling
import Foundation
import GRDB

/// The scheduler's memory: per routine, the last tick it started or deliberately skipped. Runs are
/// created before their tick is saved here, and a tick's run id is deterministic, so a crash between
/// the two at worst re-decides a tick whose run already exists — never a second run.
extension RunStore {
    /// Every routine's saved state.
    public func scheduleStates() throws(RunStoreError) -> [String: ScheduleState] {
        do {
            return try pool.read { db in
                var states: [String: ScheduleState] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT routine, state FROM schedule") {
                    let text: String = row["state"]
                    states[row["routine"]] = try JSONDecoder().decode(ScheduleState.self, from: Data(text.utf8))
                }
                return states
            }
        } catch {
            throw RunStoreError("read schedule states", path: path, error)
        }
    }

    /// Saves `state` as `routine`'s.
    public func saveScheduleState(_ state: ScheduleState, routine: String) throws(RunStoreError) {
        try saveScheduleStates([routine: state])
    }

    /// Saves several routines' states in one transaction (a first pass over thousands of routines).
    public func saveScheduleStates(_ states: [String: ScheduleState]) throws(RunStoreError) {
        guard !states.isEmpty else { return }
        do {
            let encoder = JSONEncoder()
            let rows = try states.map { ($0.key, String(decoding: try encoder.encode($0.value), as: UTF8.self)) }
            try pool.write { db in
                let statement = try db.cachedStatement(
                    sql:
                        "INSERT INTO schedule (routine, state) VALUES (?, ?) ON CONFLICT(routine) DO UPDATE SET state = excluded.state"
                )
                for (routine, text) in rows { try statement.execute(arguments: [routine, text]) }
            }
        } catch {
            throw RunStoreError("save schedule states", path: path, error)
        }
    }
}
