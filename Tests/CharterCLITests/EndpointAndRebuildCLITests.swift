import CharterTestSupport
import Foundation
import Testing

/// `charter validate` refuses endpoints on non-public addresses in any spelling, with the place
/// and the setting; `charter rebuild --replace` recovers from a live store in any state.
@Suite(.serialized) struct EndpointAndRebuildCLITests {
    @Test func validateRefusesAMetadataEndpointWithItsPlaceAndTheSetting() throws {
        let repo = try exampleClone()
        let sources = try repo.read("capacity/sources.yaml")
        try repo.write(
            "capacity/sources.yaml",
            sources.replacingOccurrences(of: "https://api.openai.com/v1", with: "http://0xA9FEA9FE/latest"))
        let refused = try CharterBinary().run(["validate", repo.root.path])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        let lines = refused.stderr.split(separator: "\n").map(String.init)
        let error = try #require(lines.first { $0.hasPrefix("capacity/sources.yaml:12:") }, "\(refused.stderr)")
        #expect(error.contains("169.254.169.254") && error.contains("cloud metadata"), "\(error)")
        #expect(refused.stderr.contains("spec.endpoints.allowCIDRs"), "\(refused.stderr)")
        // The example repository allows loopback, which the same endpoint on 127.0.0.1 uses.
        try repo.write(
            "capacity/sources.yaml",
            sources.replacingOccurrences(of: "https://api.openai.com/v1", with: "http://2130706433:8000/v1"))
        #expect(try CharterBinary().run(["validate", repo.root.path]).status == 0)
        try repo.write(
            "capacity/sources.yaml",
            sources.replacingOccurrences(of: "https://api.openai.com/v1", with: "http://10.0.0.7:8000/v1"))
        let privateNetwork = try CharterBinary().run(["validate", repo.root.path])
        #expect(privateNetwork.status == 1)
        #expect(privateNetwork.stderr.contains("`10.0.0.0/8`"), "\(privateNetwork.stderr)")
    }

    /// A repository applied and written back, and the state hash the status branch rebuilds to.
    func applied() throws -> (GitFixture, CharterBinary, String) {
        let repo = try exampleClone()
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let pass = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(pass.status == 0, "\(pass.stderr)")
        let rebuilt = try charter.run([
            "rebuild", repo.root.path, "--into", makeTemporaryDirectory("first").path, "-o", "json",
        ])
        #expect(rebuilt.status == 0, "\(rebuilt.stdout)\(rebuilt.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(rebuilt.stdout.utf8)) as? [String: Any])
        #expect(object["equal"] as? Bool == true)
        return (repo, charter, try #require(object["stateHash"] as? String))
    }

    /// The live store is rebuilt equal to the status branch.
    func expectHealthy(_ repo: GitFixture, _ charter: CharterBinary, hash: String, _ what: String) throws {
        let check = try charter.run([
            "rebuild", repo.root.path, "--into", makeTemporaryDirectory("check").path, "-o", "json",
        ])
        #expect(check.status == 0, "\(what): \(check.stdout)\(check.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        #expect(object?["liveStateHash"] as? String == hash, "\(what): \(check.stdout)")
        #expect(try charter.run(["get", "teams", "research"]).status == 0, "\(what)")
    }

    @Test func rebuildReplaceRecoversFromADamagedStore() throws {
        let (repo, charter, hash) = try applied()
        let fm = FileManager.default
        let data = charter.dataDir
        let live = data.appendingPathComponent("charter.sqlite")
        let good = try Data(contentsOf: live)
        #expect(good.count > 8192)
        let garbage = Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })
        let damages: [(String, () throws -> Void)] = [
            ("garbage", { try garbage.write(to: live) }),
            ("truncated", { try good.prefix(good.count / 2).write(to: live) }),
            ("zero-length", { try Data().write(to: live) }),
            (
                "a directory",
                {
                    try fm.removeItem(at: live)
                    try fm.createDirectory(at: live.appendingPathComponent("inside"), withIntermediateDirectories: true)
                }
            ),
            (
                "a stale log without its database",
                {
                    try fm.removeItem(at: live)
                    try garbage.write(to: data.appendingPathComponent("charter.sqlite-wal"))
                    try Data(count: 32768).write(to: data.appendingPathComponent("charter.sqlite-shm"))
                }
            ),
            (
                "a garbage log beside a truncated database",
                {
                    try good.prefix(good.count / 2).write(to: live)
                    try garbage.write(to: data.appendingPathComponent("charter.sqlite-wal"))
                }
            ),
        ]
        for (what, damage) in damages {
            for suffix in ["-wal", "-shm"] {
                try? fm.removeItem(at: data.appendingPathComponent("charter.sqlite" + suffix))
            }
            try damage()
            // Without --replace: said, not repaired.
            let report = try charter.run(["rebuild", repo.root.path])
            #expect(report.status == 1, "\(what): \(report.stdout)\(report.stderr)")
            #expect(report.stdout.contains("DAMAGED"), "\(what): \(report.stdout)\(report.stderr)")
            #expect(report.stderr.contains("--replace"), "\(what): \(report.stderr)")

            let replaced = try charter.run(["rebuild", repo.root.path, "--replace"])
            #expect(replaced.status == 0, "\(what): \(replaced.stdout)\(replaced.stderr)")
            #expect(replaced.stdout.contains("damaged live store"), "\(what): \(replaced.stdout)")
            let aside = replaced.stdout.split(separator: "\n").filter { $0.hasPrefix("Set aside ") }
                .map { String($0.dropFirst("Set aside ".count)) }
            #expect(!aside.isEmpty, "\(what): \(replaced.stdout)")
            for path in aside {
                #expect(path.hasPrefix(data.path + "/charter.sqlite.damaged-"), "\(what): \(path)")
                #expect(fm.fileExists(atPath: path), "\(what): \(path)")
            }
            if what == "garbage" {
                #expect(try Data(contentsOf: URL(fileURLWithPath: aside[0])) == garbage, "kept as it was")
            }
            try expectHealthy(repo, charter, hash: hash, what)
        }
    }

    /// Killed at each step of the swap, the next `--replace` finishes the job: the live store is
    /// never left in a state it cannot handle.
    @Test func rebuildReplaceKilledMidwayIsFinishedByTheNextRun() throws {
        let (repo, charter, hash) = try applied()
        let live = charter.dataDir.appendingPathComponent("charter.sqlite")
        for point in ["rebuild.after-link", "rebuild.before-rename", "rebuild.after-rename"] {
            for damaged in [false, true] {
                if damaged { try Data("not a database".utf8).write(to: live) }
                let killed = try charter.run(
                    ["rebuild", repo.root.path, "--replace"], environment: ["CHARTER_FAILPOINT": point])
                #expect(killed.stderr.contains("failpoint \(point)"), "\(point): \(killed.stderr)")
                #expect(killed.status != 0)
                let again = try charter.run(["rebuild", repo.root.path, "--replace"])
                #expect(again.status == 0, "\(point) damaged \(damaged): \(again.stdout)\(again.stderr)")
                try expectHealthy(repo, charter, hash: hash, "\(point) damaged \(damaged)")
            }
        }
    }

    @Test func rebuildIntoReportsADamagedLiveStoreAndStillBuilds() throws {
        let (repo, charter, hash) = try applied()
        try Data("garbage".utf8).write(to: charter.dataDir.appendingPathComponent("charter.sqlite"))
        let into = makeTemporaryDirectory("into")
        let result = try charter.run(["rebuild", repo.root.path, "--into", into.path, "-o", "json"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["stateHash"] as? String == hash)
        #expect(
            (object["liveDamage"] as? String)?.contains("shorter than an SQLite header") == true, "\(result.stdout)")
        // A stale log in the target would be replayed into the new store: refused.
        let stale = makeTemporaryDirectory("stale")
        try Data("x".utf8).write(to: stale.appendingPathComponent("charter.sqlite-wal"))
        let refused = try charter.run(["rebuild", repo.root.path, "--into", stale.path])
        #expect(refused.status != 0 && refused.stderr.contains("already holds a store"), "\(refused.stderr)")
    }
}
