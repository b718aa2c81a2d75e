import CharterModel
import CharterPlan
import Crypto
import Foundation
import GRDB

/// Content-addressed documents in the store (`blob` table): the change sets that events name by
/// `changeSetBlob`. The status writer publishes them as `blobs/XX/<sha256>`, which is what lets
/// ``StateStore/rebuild(from:)`` recreate the state from the status branch alone.
extension StateStore {
    /// The bytes of a change set as stored in a blob: canonical JSON of the full change set (every
    /// document before and after), so replaying it needs nothing else.
    public static func blobBytes(of changes: ChangeSet) -> [UInt8] {
        Array(CanonicalJSON.string(value(of: changes)).utf8)
    }

    /// The change set a blob holds; throws when the bytes are not one.
    public static func changeSet(fromBlob bytes: [UInt8]) throws -> ChangeSet {
        let value: Value
        do { value = try Value(json: bytes) } catch {
            throw StoreError(operation: "read change set", path: "", message: "the blob is not JSON: \(error)")
        }
        return try changeSet(from: value)
    }

    /// Stores the change set's blob (once) and returns its SHA-256 hex.
    static func storeBlob(of changes: ChangeSet, in db: Database) throws -> String {
        let bytes = blobBytes(of: changes)
        let hash = CanonicalJSON.hex(SHA256.hash(data: bytes))
        try db.execute(sql: "INSERT OR IGNORE INTO blob (hash, data) VALUES (?, ?)", arguments: [hash, Data(bytes)])
        return hash
    }

    /// The blob with SHA-256 `hash` (hex), or nil when the store does not hold it.
    public func blob(_ hash: String) throws(StoreError) -> [UInt8]? {
        do {
            return try pool.read { db in
                try Data.fetchOne(db, sql: "SELECT data FROM blob WHERE hash = ?", arguments: [hash]).map { Array($0) }
            }
        } catch {
            throw StoreError("read blob \(hash.prefix(12))", path: path, error)
        }
    }
}
