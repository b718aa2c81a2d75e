import CharterFoundation
import CharterTestSupport
import Foundation
import Testing

/// The dashboard in a real browser: a real `charter controller --http-listen 127.0.0.1:0`, and
/// headless Chromium (Debian's `chromium`, in the Makefile's APT_PACKAGES) loading every page. A
/// page passes when the browser built the DOM we expect (its heading and content, no error page)
/// and logged no console error — a script error or a Content-Security-Policy refusal included.
///
/// Set `CHARTER_SCREENSHOTS=DIR` to also save a PNG of each main page there (docs/screenshots/).
@Suite(.serialized) struct DashboardBrowserTests {
    static let chromium = URL(fileURLWithPath: "/usr/bin/chromium")

    /// What the browser made of `url`: the serialized DOM and the browser's own log.
    struct Loaded {
        var dom: String
        var log: String
        /// Every console message (Chromium logs them all as `INFO:CONSOLE`, `console.error` and
        /// "Uncaught …" included; the pages write none), and refused or failed loads (a
        /// Content-Security-Policy refusal is one).
        var consoleErrors: [String] {
            log.split(separator: "\n").map(String.init).filter {
                $0.contains(":CONSOLE") || $0.contains("Uncaught") || $0.contains("Refused to")
                    || $0.contains("Failed to load resource")
            }
        }
    }

    static func load(_ url: String, screenshot: URL? = nil) async throws -> Loaded {
        try #require(
            FileManager.default.isExecutableFile(atPath: chromium.path),
            "headless Chromium is needed: apt-get install chromium (make deps)")
        let profile = makeTemporaryDirectory("chromium")
        // --no-sandbox: Chromium's sandbox refuses to start as root, which the test containers are,
        // and needs user namespaces they may not grant; the browser only loads our own loopback pages.
        var arguments = [
            "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--user-data-dir=\(profile.path)",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000",
        ]
        if let screenshot {
            arguments += ["--screenshot=\(screenshot.path)", "--window-size=1280,1000", "--hide-scrollbars"]
        } else {
            arguments.append("--dump-dom")
        }
        arguments.append(url)
        let command = arguments
        let result = try await onOwnThread { try ProcessRunner.run(chromium, command) }
        #expect(result.status == 0, "chromium exited with \(result.status): \(result.stderr)")
        return Loaded(dom: result.stdout, log: result.stderr)
    }

    @Test func everyPageRendersInABrowserOnTheExampleOrganization() async throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        // The CLI's tables derive the same as the organization page (OrgView): a person's teams
        // from the Teams, a routine's zone from the Organization when it has none of its own.
        let people = try charter.run(["get", "people"]).stdout
        #expect(
            people.split(separator: "\n").contains { $0.hasPrefix("lena ") && $0.contains("research") }, "\(people)")
        let routines = try charter.run(["get", "routines"]).stdout
        #expect(
            routines.split(separator: "\n").contains {
                $0.hasPrefix("weekly-all-hands ") && $0.contains("Europe/Berlin (organization)")
            }, "\(routines)")
        // A run to show: executed here before the controller takes the engine.
        let ran = try charter.run(["run", "routine-health"])
        let runs = try JSONSerialization.jsonObject(with: Data(try charter.run(["runs", "-o", "json"]).stdout.utf8))
        let runID = try #require((runs as? [[String: Any]])?.first?["id"] as? String, "\(ran.stdout)\(ran.stderr)")
        // A proposal to show: a renamed team, with a bidi override in its new name.
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml",
            team.replacingOccurrences(of: "displayName: Research", with: "displayName: \"Research \\u202Ebal\\u202C\""))
        _ = try repo.commitAll("Rename research")
        let controller = try ControllerProcess(
            charter, [repo.root.path, "--interval", "1s", "--http-listen", "127.0.0.1:0"])
        let port = try await controller.webhookPort()
        try await controller.waitForLine(containing: "ready: the first pass completed")
        let base = "http://127.0.0.1:\(port)"

        let pages: [(path: String, heading: String, content: [String])] = [
            ("/", "Overview", ["Conditions", "Reconciling", "P-0001", "Today's spend", "vote missing"]),
            ("/proposals", "Proposals", ["P-0001"]),
            (
                "/proposals/P-0001", "Proposal P-0001",
                ["~ Team/research", "charter vote P-0001 approve --as NAME --key KEYFILE", #"\u202E"#, "Boards"]
            ),
            ("/runs", "Runs", [runID]),
            ("/runs/\(runID)", "Run \(runID)", ["<svg class=\"dag\"", "Steps of run", "attempt", "Log"]),
            ("/org", "Organization", ["Teams", "Research", "People", "research", "(organization)", "Routines"]),
            ("/cost", "Cost", ["Cost by day", "Today against budgets"]),
        ]
        for page in pages {
            let loaded = try await Self.load(base + page.path)
            #expect(loaded.dom.contains("<h1>\(page.heading)</h1>"), "\(page.path): \(loaded.dom.prefix(2000))")
            for text in page.content {
                #expect(loaded.dom.contains(text), "\(page.path) lacks “\(text)”")
            }
            #expect(
                !loaded.dom.contains("<h1>Error</h1>") && !loaded.dom.contains("<h1>Not found</h1>"), "\(page.path)")
            #expect(loaded.consoleErrors.isEmpty, "\(page.path): \(loaded.consoleErrors)")
        }
        // The raw override never reaches the browser: the proposal shows it as an escape.
        let proposal = try await Self.load(base + "/proposals/P-0001")
        #expect(!proposal.dom.unicodeScalars.contains("\u{202E}"))
        let missing = try await Self.load(base + "/runs/no-such-run")
        #expect(missing.dom.contains("<h1>Not found</h1>"))

        if let directory = ProcessInfo.processInfo.environment["CHARTER_SCREENSHOTS"] {
            for (name, path) in [
                ("overview", "/"), ("proposal", "/proposals/P-0001"), ("run", "/runs/\(runID)"), ("org", "/org"),
                ("cost", "/cost"),
            ] {
                _ = try await Self.load(
                    base + path, screenshot: URL(fileURLWithPath: directory).appendingPathComponent("\(name).png"))
            }
        }
        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
    }

    /// The 10k-resource synthetic organization of charter-bench: the overview and the organization
    /// page render in the browser and stay bounded (people are paged, lists are capped).
    @Test func theOverviewAndOrganizationRenderOnTheSyntheticTenThousandResourceOrganization() async throws {
        let bench = CharterBinary.url.deletingLastPathComponent().appendingPathComponent("charter-bench")
        let directory = makeTemporaryDirectory("org10k")
        let generated = try ProcessRunner.run(
            bench, ["generate", "--resources", "10000", "--out", directory.path])
        #expect(generated.status == 0, "\(generated.stderr)")
        let charter = CharterBinary()
        let applied = try charter.run(["apply", "--bootstrap", directory.path, "--rev", "applied"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let controller = try ControllerProcess(
            charter, [directory.path, "--interval", "1m", "--http-listen", "127.0.0.1:0"])
        let port = try await controller.webhookPort()
        try await controller.waitForLine(containing: "ready: the first pass completed")
        let overview = try await Self.load("http://127.0.0.1:\(port)/")
        #expect(overview.dom.contains("<h1>Overview</h1>") && overview.dom.contains("Conditions"))
        #expect(overview.consoleErrors.isEmpty, "\(overview.consoleErrors)")
        let org = try await Self.load("http://127.0.0.1:\(port)/org")
        #expect(org.dom.contains("<h1>Organization</h1>") && org.dom.contains("rel=\"next\""))
        #expect(org.consoleErrors.isEmpty, "\(org.consoleErrors)")
        // 100 people a page, not 8,000: the page stays well under a few megabytes.
        #expect(org.dom.components(separatedBy: "<tr>").count < 2_500)
        let last = try await Self.load("http://127.0.0.1:\(port)/org?page=84")
        #expect(last.dom.contains("<h1>Organization</h1>"))
        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
    }
}
