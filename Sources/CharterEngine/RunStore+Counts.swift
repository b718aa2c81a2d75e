import GRDB

extension RunStore {
    /// How many runs and steps are in each state, by the state's name; states without any are
    /// absent. What `/metrics` reads at each scrape, so the numbers hold after a crash or restart.
    public func stateCounts() throws(RunStoreError) -> (runs: [String: Int], steps: [String: Int]) {
        do {
            return try pool.read { db in
                func counts(_ table: String) throws -> [String: Int] {
                    var counts: [String: Int] = [:]
                    for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM \(table) GROUP BY state") {
                        counts[row["state"]] = row["n"]
                    }
                    return counts
                }
                return (try counts("run"), try counts("step"))
            }
        } catch {
            throw RunStoreError("count runs and steps", path: path, error)
        }
    }
}
