import CharterTestSupport
import Foundation
import Testing

/// Sealed execution end to end: the built `charter` runs templates whose shell steps ask for
/// network, secrets and paths, under the applied Policy's run rules, in the real sandbox.
@Suite(.serialized, .enabled(if: bubblewrapWorksHere, "bubblewrap does not work on this machine"))
struct SandboxCLITests {
    /// example-repo plus `templates/probe.yaml` holding `steps`, with the Policy's run rules
    /// edited by `policy`, bootstrapped.
    func setUp(
        steps: String, policy: (String) -> String = { $0 }, environment: [String: String] = [:]
    ) throws -> (GitFixture, CharterBinary) {
        let repo = try exampleClone()
        try repo.write(
            "templates/probe.yaml",
            """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: probe
            spec:
              parameters:
                - name: source
                  default: ""
              steps:
            \(steps)
            """)
        try repo.write("policies/change-control.yaml", policy(try repo.read("policies/change-control.yaml")))
        try repo.commitAll("probe template")
        let charter = CharterBinary()
        let bootstrap = try charter.run(["apply", "--bootstrap", repo.root.path], environment: environment)
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        return (repo, charter)
    }

    func allowNetwork(_ rules: String...) -> (String) -> String {
        { policy in
            policy.replacingOccurrences(
                of: #"allow: ["git.northwind.example:443"]"#,
                with: "allow: [" + (["git.northwind.example:443"] + rules).map { "\"\($0)\"" }.joined(separator: ", ")
                    + "]")
        }
    }

    /// `git daemon` on loopback serving `origin.git`, one commit "first".
    func servedOrigin() async throws -> LoopbackGitDaemon {
        let origin = try GitFixture(name: "origin")
        try origin.write("README", "hello")
        _ = try origin.commitAll("first")
        let served = makeTemporaryDirectory("served")
        try GitFixture.run([
            "clone", "--bare", "-q", origin.root.path, served.appendingPathComponent("origin.git").path,
        ])
        return try await LoopbackGitDaemon(serving: served)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The step `name` of a run summary.
    func step(_ summary: [String: Any], _ name: String) -> [String: Any] {
        (summary["steps"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name } ?? [:]
    }

    /// The bytes of one of `step`'s artifacts, from the data directory's blob store.
    func artifact(_ step: [String: Any], _ name: String, in repo: GitFixture) throws -> String {
        let artifacts = try #require(step["artifacts"] as? [String: Any])
        let blob = try #require((artifacts[name] as? [String: Any])?["blob"] as? String)
        return try repo.git("show", "charter/status:\(blob)")
    }

    @Test func aGrantedStepClonesThroughTheEgressProxyAndNothingElseGetsOut() async throws {
        let daemon = try await servedOrigin()
        defer { daemon.stop() }
        let (repo, charter) = try setUp(
            steps: """
                  - name: clone
                    type: shell
                    env: {SOURCE: "${{ params.source }}"}
                    network: ["*:*"]
                    run: |
                      git clone --quiet "$SOURCE" src && git -C src log --format=%s
                      git ls-remote git://169.254.169.254/x >/dev/null 2>&1 || echo metadata-refused
                      git ls-remote git://127.0.0.1:1/x >/dev/null 2>&1 || echo other-port-refused
                """, policy: allowNetwork("127.0.0.1:\(daemon.port)", "*:*"))
        let run = try charter.run(["run", "probe", "--param", "source=\(daemon.url("origin.git"))", "-o", "json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let clone = step(try json(run.stdout), "clone")
        #expect(clone["state"] as? String == "succeeded")
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).status == 0)
        let out = try artifact(clone, "stdout.txt", in: repo)
        #expect(out == "first\nmetadata-refused\nother-port-refused", "git show trims the last newline")
        let network = try json(try artifact(clone, "network.json", in: repo))
        let connections = try #require(network["connections"] as? [[String: Any]])
        #expect(connections.contains { $0["allowed"] as? Bool == true && $0["port"] as? Int == Int(daemon.port) })
        let metadata = try #require(connections.first { $0["host"] as? String == "169.254.169.254" })
        #expect(metadata["allowed"] as? Bool == false)
        #expect((metadata["reason"] as? String)?.contains("link-local") == true, "\(metadata)")
        let shown = try charter.run(["show", try #require(try json(run.stdout)["id"] as? String)])
        #expect(shown.stdout.contains("network: 3 connections, 2 refused"), "\(shown.stdout)")
        #expect(shown.stdout.contains("169.254.169.254:9418"), "\(shown.stdout)")
    }

    @Test func withoutAPolicyGrantTheSameStepCannotConnect() async throws {
        let daemon = try await servedOrigin()
        defer { daemon.stop() }
        // `*:*` in a Policy never reaches loopback: that needs a rule naming the address.
        let (_, charter) = try setUp(
            steps: """
                  - name: clone
                    type: shell
                    env: {SOURCE: "${{ params.source }}"}
                    network: ["*:*"]
                    run: git clone --quiet "$SOURCE" src
                """, policy: allowNetwork("*:*"))
        let run = try charter.run(["run", "probe", "--param", "source=\(daemon.url("origin.git"))", "-o", "json"])
        #expect(run.status != 0)
        let clone = step(try json(run.stdout), "clone")
        #expect(clone["state"] as? String == "failed")
        let shown = try charter.run(["show", try #require(try json(run.stdout)["id"] as? String)]).stdout
        #expect(shown.contains("refused (127.0.0.1:\(daemon.port))"), "\(shown)")
    }

    @Test func aGrantedSecretReachesTheStepAndNeverItsRecord() throws {
        let credentials = makeTemporaryDirectory("credentials")
        let secret = "tok-\(UUID().uuidString)"
        try (secret + "\n").write(
            to: credentials.appendingPathComponent("deploy-token"), atomically: true, encoding: .utf8)
        let environment = ["CHARTER_CREDENTIALS_DIR": credentials.path]
        let (repo, charter) = try setUp(
            steps: """
                  - name: push
                    type: shell
                    secrets: {TOKEN: deploy-token}
                    network: ["*:*"]
                    run: |
                      echo "token=$TOKEN"
                      printf %s "$TOKEN" | wc -c
                      echo "$TOKEN" >&2
                      git ls-remote "git://$TOKEN.example.com/x" >/dev/null 2>&1 || true
                """,
            policy: {
                $0.replacingOccurrences(
                    of: "allow: [northwind-git-token]", with: "allow: [northwind-git-token, deploy-*]")
            },
            environment: environment)
        let run = try charter.run(["run", "probe", "-o", "json"], environment: environment)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let push = step(try json(run.stdout), "push")
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: environment).status == 0)
        #expect(try artifact(push, "stdout.txt", in: repo) == "token=***\n\(secret.count)")
        #expect(try artifact(push, "stderr.txt", in: repo) == "***")
        // Even a host named after the secret, which the egress proxy logs, is redacted.
        #expect(try artifact(push, "network.json", in: repo).contains("***.example.com"))
        // Nowhere on the status branch, in the events or in the data directory's records.
        let grep = try? repo.git("grep", "-F", secret, "charter/status")
        #expect(grep == nil || grep!.isEmpty)
        let logs = try charter.run(["logs", try #require(try json(run.stdout)["id"] as? String)])
        #expect(!logs.stdout.contains(secret))
        #expect(!run.stdout.contains(secret))
    }

    @Test func aSecretNoPolicyGrantsIsRefusedAtValidate() throws {
        let repo = try exampleClone()
        try repo.write(
            "templates/probe.yaml",
            """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: probe
            spec:
              steps:
                - name: push
                  type: shell
                  secrets: {TOKEN: prod-database}
                  run: echo "$TOKEN"
            """)
        let result = try CharterBinary().run(["validate", repo.root.path])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "templates/probe.yaml:9:24: error: Template/probe: /spec/steps/0/secrets/TOKEN: step `push` asks for a secret it cannot have: no Policy's runRules.secrets.allow grants the secret `prod-database`"
            ), "\(result.stderr)")
    }

    @Test func withoutBubblewrapTheStepFailsClosedUnlessAPolicySaysOtherwise() throws {
        let steps = """
                  - name: host
                    type: shell
                    run: echo ran
            """
        let missing = ["CHARTER_BUBBLEWRAP": "/nonexistent/bwrap"]
        let (_, charter) = try setUp(steps: steps, environment: missing)
        let refused = try charter.run(["run", "probe", "-o", "json"], environment: missing)
        #expect(refused.status != 0)
        let host = step(try json(refused.stdout), "host")
        #expect(host["state"] as? String == "failed")
        let reason = host["reason"] as? String ?? ""
        #expect(reason.contains("requires a sandbox") && reason.contains("/nonexistent/bwrap"), "\(reason)")
        #expect(reason.contains("apt-get install bubblewrap"), "the refusal says how to fix it: \(reason)")

        let (repo, allowed) = try setUp(
            steps: steps,
            policy: {
                $0.replacingOccurrences(
                    of: "    # allowUnsandboxed: true would let", with: "    allowUnsandboxed: true\n    # it would let"
                )
            }, environment: missing)
        let ran = try allowed.run(["run", "probe", "-o", "json"], environment: missing)
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        let id = try #require(try json(ran.stdout)["id"] as? String)
        let unsandboxed = step(try json(ran.stdout), "host")["unsandboxed"] as? String ?? ""
        #expect(unsandboxed.contains("ran UNSANDBOXED") && unsandboxed.contains("change-control"), "\(unsandboxed)")
        let shown = try allowed.run(["show", id]).stdout
        #expect(shown.contains("WARNING: UNSANDBOXED: step `host` ran UNSANDBOXED"), "\(shown)")
        let logs = try allowed.run(["logs", id]).stdout
        #expect(logs.contains("ran UNSANDBOXED"), "\(logs)")
        #expect(try allowed.run(["reconcile", "--once", repo.root.path], environment: missing).status == 0)
        let summary = try repo.git("show", "charter/status:runs/\(id)/SUMMARY.md")
        #expect(summary.contains("> **UNSANDBOXED: step `host` ran UNSANDBOXED"), "\(summary)")
        #expect(try repo.git("show", "charter/status:runs/\(id)/summary.yaml").contains("unsandboxed: "))
    }

    @Test func socketsAKilledControllerLeftAreRemoved() throws {
        let tmp = makeTemporaryDirectory("tmpdir")
        let scratch = tmp.appendingPathComponent("charter-sandbox-\(geteuid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: scratch.path)
        // A socket bound and closed: what a SIGKILL during a step with network leaves behind.
        let stale = scratch.appendingPathComponent("egress-stale.sock").path
        _ = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/python3"),
            ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()", stale])
        #expect(FileManager.default.fileExists(atPath: stale))
        let (_, charter) = try setUp(
            steps: """
                  - name: one
                    type: shell
                    run: echo ok
                """)
        let run = try charter.run(["run", "probe"], environment: ["TMPDIR": tmp.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stale))
    }

    @Test func aRetryStartsWithoutWhatTheFailedAttemptAdded() throws {
        let (repo, charter) = try setUp(
            steps: """
                  - name: fetch
                    type: shell
                    retry: {maxAttempts: 2, initialBackoff: 1s}
                    run: mkdir src && echo half > src/partial && [ "$CHARTER_ATTEMPT" != 1 ] && echo whole
                """)
        let run = try charter.run(["run", "probe", "-o", "json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let fetch = step(try json(run.stdout), "fetch")
        #expect(fetch["state"] as? String == "succeeded")
        #expect(fetch["attempts"] as? Int == 2)
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).status == 0)
        let record = try json(try artifact(fetch, "process.json", in: repo))
        #expect(record["workspace"] as? String == "removed what the previous attempt added: src")
    }

    @Test func stepsThatMayRunAlongsideKeepTheWorkspaceAsItIs() throws {
        let (_, charter) = try setUp(
            steps: """
                  - name: fetch
                    type: shell
                    retry: {maxAttempts: 2, initialBackoff: 1s}
                    run: mkdir src && [ "$CHARTER_ATTEMPT" != 1 ]
                  - name: other
                    type: shell
                    run: echo alongside
                """)
        let run = try charter.run(["run", "probe", "-o", "json"])
        let fetch = step(try json(run.stdout), "fetch")
        #expect(fetch["state"] as? String == "failed", "src/ stays, so the retry fails: \(fetch)")
        #expect(fetch["attempts"] as? Int == 2)
        let id = try #require(try json(run.stdout)["id"] as? String)
        let logs = try charter.run(["logs", id, "--step", "fetch"]).stdout
        #expect(logs.contains("other shell steps may run alongside"), "\(logs)")
    }

    @Test func deniedPathsAreMaskedForEveryLaterStep() throws {
        let (repo, charter) = try setUp(
            steps: """
                  - name: write
                    type: shell
                    run: mkdir -p .ssh && echo key > key.pem && echo id > .ssh/id && echo notes > notes.txt
                  - name: read
                    type: shell
                    needs: [write]
                    run: |
                      cat key.pem 2>/dev/null || echo pem-masked
                      cat .ssh/id 2>/dev/null || echo ssh-masked
                      cat notes.txt
                """)
        let run = try charter.run(["run", "probe", "-o", "json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).status == 0)
        let read = step(try json(run.stdout), "read")
        #expect(try artifact(read, "stdout.txt", in: repo) == "pem-masked\nssh-masked\nnotes")
        let record = try json(try artifact(read, "process.json", in: repo))
        #expect(record["quarantined"] as? [String] == ["/workspace/.ssh", "/workspace/key.pem"])
    }

    @Test func validateRefusesValuesInScriptsAndRulesThatDoNothing() throws {
        let repo = try exampleClone()
        try repo.write(
            "templates/bad.yaml",
            """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: bad
            spec:
              parameters:
                - name: branch
              steps:
                - name: a
                  type: shell
                  env: {BRANCH: "${{ params.branch }}"}
                  network: ["example.com"]
                  run: |
                    git checkout ${{ params.branch }}
                    eval "git log $BRANCH"
            """)
        let role = try repo.read("roles/scribe.yaml")
        try repo.write(
            "roles/scribe.yaml",
            role.replacingOccurrences(
                of: #"(?m)^  tools: .*$"#, with: "  tools: [docs.read]", options: .regularExpression))
        let policy = try repo.read("policies/change-control.yaml")
        try repo.write(
            "policies/change-control.yaml",
            policy.replacingOccurrences(of: "\"**/*.pem\"]", with: "\"**/*.pem\", \"../x\"]"))
        let result = try CharterBinary().run(["validate", repo.root.path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "templates/bad.yaml:14:22: error: Template/bad: /spec/steps/0/run: values cannot be substituted into `run`"
                )
            }, "\(result.stderr)")
        #expect(
            lines.contains {
                $0.hasPrefix("templates/bad.yaml:15:23: error: Template/bad: /spec/steps/0/run: `eval` parses")
            },
            "\(result.stderr)")
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "templates/bad.yaml:12:17: error: Template/bad: /spec/steps/0/network/0: `example.com`: has no port"
                )
            },
            "\(result.stderr)")
        #expect(
            lines.contains { $0.contains("roles/scribe.yaml") && $0.contains("`docs.read` names no tool") },
            "\(result.stderr)")
        #expect(
            lines.contains { $0.contains("policies/change-control.yaml") && $0.contains("path pattern `../x`") },
            "\(result.stderr)")
    }
}

/// Whether bubblewrap runs here with namespaces, checked without the code under test.
let bubblewrapWorksHere: Bool = {
    let bwrap = URL(fileURLWithPath: "/usr/bin/bwrap")
    guard FileManager.default.isExecutableFile(atPath: bwrap.path) else { return false }
    let result = try? ProcessRunner.run(
        bwrap, ["--ro-bind", "/", "/", "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "true"])
    return result?.status == 0
}()
