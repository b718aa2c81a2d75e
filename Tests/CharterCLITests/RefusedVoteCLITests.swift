import CharterTestSupport
import Foundation
import Testing

/// A vote file the vote verifier refuses is shown where people look — `charter show`, its JSON, and
/// the proposal on the status branch — with the verifier's own reason, the one `charter verify`
/// gives; it is never "none yet".
@Suite(.serialized) struct RefusedVoteCLITests {
    /// The scheduler's clock for every pass: no routine of example-repo is due then.
    let quiet = quietClock

    func proposed() throws -> (GitFixture, CharterBinary) { try proposedExample() }

    /// The reason `charter verify` gives for the vote file at `path`.
    func verifyReason(_ charter: CharterBinary, _ repo: GitFixture, path: String) throws -> String {
        let verify = try charter.run(["verify", repo.root.path])
        #expect(verify.status == 1, "a refused vote fails verification: \(verify.stdout)")
        let line = try #require(
            verify.stdout.split(separator: "\n").first { $0.contains("refused \(path): ") }, "\(verify.stdout)")
        return String(line.split(separator: ": ", maxSplits: 1)[1])
    }

    @Test func aVoteFileTheVerifierRefusesIsShownWithItsReason() throws {
        let (repo, charter) = try proposed()
        // priya's real signed vote, then a copy with one field more under another name.
        let cast = try charter.vote(as: "priya", on: repo.root.path)
        #expect(cast.status == 0, "\(cast.stderr)")
        let original = try #require(
            cast.stdout.split(separator: " ").first { $0.hasPrefix("votes/P-0001/") }.map(String.init))
        let json = try repo.git("show", "charter/status:\(original)")
        #expect(json.hasPrefix("{"))
        let extra = "{\"extra\":\"smuggled\"," + json.dropFirst()
        try repo.commitCraftedEntry(on: "charter/status", in: "votes/P-0001", named: "extra.json", contents: extra)
        // Not JSON at all.
        try repo.commitCraftedEntry(on: "charter/status", in: "votes/P-0001", named: "garbage.json", contents: "nope")

        let pass = try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet])
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        #expect(pass.stdout.contains("needs 1 more approval"), "priya's real vote still counts: \(pass.stdout)")

        for file in ["extra.json", "garbage.json"] {
            let path = "votes/P-0001/\(file)"
            let reason = try verifyReason(charter, repo, path: path)
            #expect(reason.hasPrefix("not a vote document"), "\(reason)")

            let show = try charter.run(["show", "P-0001"])
            #expect(show.status == 0, "\(show.stderr)")
            #expect(!show.stdout.contains("none yet"), "\(show.stdout)")
            #expect(show.stdout.contains("\(path) (refused: \(reason))"), "\(show.stdout)")

            let shownJSON = try charter.run(["show", "P-0001", "-o", "json"])
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(shownJSON.stdout.utf8)) as? [String: Any])
            let refused = try #require(object["refusedVoteFiles"] as? [[String: Any]], "\(shownJSON.stdout)")
            #expect(refused.contains { $0["path"] as? String == path && $0["reason"] as? String == reason })

            // The status branch says it too: the proposal's record and STATUS.md.
            let published = try repo.git("show", "charter/status:proposals/P-0001/proposal.json")
            #expect(published.contains(path), "\(published)")
            let status = try repo.git("show", "charter/status:STATUS.md")
            #expect(status.contains("`\(path)`"), "\(status)")
            #expect(status.contains(reason), "\(status)")
        }

        // A second pass records nothing again.
        let again = try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet, "-o", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(report["votesRecorded"] as? Int == 0, "\(again.stdout)")
        let show = try charter.run(["show", "P-0001", "-o", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect((object["refusedVoteFiles"] as? [Any])?.count == 2)
    }

    @Test func votesRefusedForTheirVoterSayWhyOnTheStatusBranchToo() throws {
        let (repo, charter) = try proposed()
        // priya's vote with the voter changed to someone the applied state does not know, and an
        // outsider's vote (not a board member).
        let cast = try charter.vote(as: "priya", on: repo.root.path)
        let original = try #require(
            cast.stdout.split(separator: " ").first { $0.hasPrefix("votes/P-0001/") }.map(String.init))
        let json = try repo.git("show", "charter/status:\(original)")
        #expect(json.contains("\"priya\""), "\(json)")
        try repo.commitCraftedEntry(
            on: "charter/status", in: "votes/P-0001", named: "zed.json",
            contents: json.replacingOccurrences(of: "\"priya\"", with: "\"zed\""))
        #expect(try charter.vote(as: "maria", on: repo.root.path).status == 0)
        let pass = try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet])
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")

        let show = try charter.run(["show", "P-0001"])
        #expect(show.stdout.contains("maria approve (refused: maria is not a member of board change)"))
        // The pass and the status branch show the refused vote as well.
        let status = try repo.git("show", "charter/status:STATUS.md")
        #expect(status.contains("maria is not a member of board change"), "\(status)")
        // A verifier refusal is recorded with the verifier's reason, the one `charter verify` gives,
        // not called a signature problem.
        let reason = try verifyReason(charter, repo, path: "votes/P-0001/zed.json")
        #expect(reason == "zed is not a Person in the applied state")
        #expect(show.stdout.contains("zed approve (refused: \(reason))"), "\(show.stdout)")
        #expect(status.contains(reason), "\(status)")
    }
}
