import CharterGovernance
import GRDB

extension StateStore {
    /// How many proposals are in each state, by the state's name; states without any are absent.
    /// One indexed query: what `/metrics` reads at each scrape.
    public func proposalCounts() throws(StoreError) -> [String: Int] {
        do {
            return try pool.read { db in
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM proposal GROUP BY state") {
                    counts[row["state"]] = row["n"]
                }
                return counts
            }
        } catch {
            throw StoreError("count proposals", path: path, error)
        }
    }
}
