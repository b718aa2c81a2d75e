import CharterModel
import Testing

/// The Organization's `controller` settings that would make the loop misbehave are refused at load:
/// a status branch that is the watched branch (a status commit on it every pass) or sits under the
/// proposal prefix, names git refuses, and a poll interval under a second (a busy loop).
@Suite struct ControllerSettingsTests {
    func load(_ controller: String) -> [Diagnostic] {
        let org = Fixtures.organization + "\n  controller:\n" + controller
        return Fixtures.load(replacing: "organization.yaml", with: org).diagnostics.filter {
            $0.code == "semantic.controller"
        }
    }

    @Test func theDefaultsAndTheExampleSettingsPass() {
        #expect(load("    branch: main\n").isEmpty)
        #expect(
            load(
                "    branch: trunk\n    statusBranch: ops/status\n    proposalBranchPrefix: change-\n    pollInterval: 1s\n"
            ).isEmpty)
    }

    @Test func theStatusBranchMustNotBeTheWatchedBranch() {
        let found = load("    statusBranch: main\n")
        #expect(found.count == 1)
        #expect(found.first?.path?.description == "/spec/controller/statusBranch")
        #expect(found.first?.message.contains("is the watched branch") == true, "\(found)")
        #expect(found.first?.line == 9, "positioned at the field: \(found)")
        #expect(load("    branch: main\n    statusBranch: main/status\n").first?.message.contains("directory") == true)
    }

    @Test func noBranchMaySitUnderTheProposalPrefix() {
        let status = load("    statusBranch: proposals/status\n")
        #expect(status.map { $0.path?.description ?? "" } == ["/spec/controller/statusBranch"])
        #expect(status.first?.message.contains("proposal branch prefix `proposals/`") == true, "\(status)")
        let watched = load("    branch: review/main\n    proposalBranchPrefix: review/\n")
        #expect(watched.map { $0.path?.description ?? "" } == ["/spec/controller/branch"])
        #expect(
            load("    proposalBranchPrefix: main/\n").map { $0.path?.description ?? "" } == [
                "/spec/controller/proposalBranchPrefix"
            ])
    }

    @Test func branchNamesMustBeOnesGitAccepts() {
        for bad in [
            "\"a..b\"", "\"-x\"", "\"a b\"", "\"x.lock\"", "\"a/.b\"", "\"a//b\"", "\"@\"", "\"x/\"", "\"a@{b\"",
            "\"a~1\"",
        ] {
            let found = load("    statusBranch: \(bad)\n")
            #expect(found.count == 1, "\(bad): \(found)")
            #expect(found.first?.message.contains("is not a valid branch name") == true, "\(bad): \(found)")
        }
        #expect(
            load("    proposalBranchPrefix: \"review:\"\n").first?.message
                == "`review:` cannot start branch names: it contains `:`")
        #expect(BranchName.problem("charter/status") == nil)
        #expect(BranchName.problem("a\u{7F}b") == "it contains a control character")
    }

    @Test func thePollIntervalIsAtLeastOneSecond() {
        for fast in ["0s", "500ms"] {
            let org = Fixtures.organization + "\n  controller:\n    pollInterval: \(fast)\n"
            // The schema's duration range refuses it, once.
            let found = Fixtures.load(replacing: "organization.yaml", with: org).diagnostics.filter {
                $0.path?.description == "/spec/controller/pollInterval"
            }
            #expect(found.map { $0.path?.description ?? "" } == ["/spec/controller/pollInterval"], "\(fast): \(found)")
            #expect(found.first?.message.contains("shorter than the minimum of 1s") == true, "\(found)")
        }
        #expect(load("    pollInterval: 1s\n").isEmpty)
    }
}
