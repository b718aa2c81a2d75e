import CharterControl
import CharterFoundation
import CharterModel
import CharterTestSupport
import Foundation
import Testing

@testable import CharterDashboard

/// The page renderers: repository text is escaped and visible (never markup, never hidden),
/// look-alikes are flagged, and the shared CLI views (teams, zones) appear on the pages.
struct RendererTests {
    /// The example organization, with `edit` applied to file contents by path.
    static func exampleState(_ edits: [String: (String) -> String] = [:]) throws -> OrgState {
        let root = GitFixture.exampleRepo
        var files: [SourceFile] = []
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "yaml" else { continue }
            let path = String(url.path.dropFirst(root.path.count + 1))
            guard !path.hasPrefix(".") else { continue }
            var text = try String(contentsOf: url, encoding: .utf8)
            if let edit = edits[path] { text = edit(text) }
            files.append(SourceFile(path: path, contents: .bytes(Array(text.utf8))))
        }
        let result = Loader.load(files)
        #expect(result.errorCount == 0, "\(result.diagnostics)")
        return result.state
    }

    @Test func escapingIsTheOneFunctionAndInterpolationUsesIt() {
        #expect(HTML.escape(#"<a href="x">&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
        let name = "<script>alert(1)</script>"
        let html: HTML = "<td>\(name)</td>"
        #expect(html.markup == "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>")
        let attribute: HTML = "<a title=\"\(attribute: "\" onmouseover=\"x")\">"
        #expect(!attribute.markup.contains("\" onmouseover"))
    }

    @Test func aTrojanSourceNameAndAScriptInADescriptionRenderEscapedAndVisible() throws {
        let state = try Self.exampleState([
            "people/lena.yaml": {
                $0.replacingOccurrences(
                    of: "displayName: Lena Fischer", with: "displayName: \"Lena \\u202Eevil\\u202C\"")
            },
            "teams/research.yaml": {
                $0.replacingOccurrences(
                    of: "description: Evaluates models and tracks what the field is doing.",
                    with: "description: \"<script>alert('x')</script> & more\"")
            },
        ])
        #expect(state.people["lena"]?.displayName.unicodeScalars.contains("\u{202E}") == true)
        let page = OrgPage.render(state, page: 1, now: Date(timeIntervalSince1970: 1_800_000_000)).markup
        // The bidi override is shown as an escape, never sent raw.
        #expect(!page.unicodeScalars.contains("\u{202E}"))
        #expect(page.contains(#"Lena \u{202E}evil\u{202C}"#))
        // The script is text: escaped, and still there to be read.
        #expect(!page.contains("<script>alert"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
    }

    @Test func lookAlikesAreFlagged() throws {
        let state = try Self.exampleState([
            "teams/platform.yaml": {
                $0.replacingOccurrences(of: "displayName: Platform", with: "displayName: Plаtform")
            }
        ])
        let page = OrgPage.render(state, page: 1, now: Date()).markup
        #expect(page.contains("<mark class=\"lookalike\">! look-alike:"))
        #expect(page.contains("reads as &quot;Platform&quot;"))
    }

    @Test func peopleShowTheirTeamsAndRoutinesTheirEffectiveZone() throws {
        let state = try Self.exampleState()
        let teams = OrgView.teamsByPerson(state)
        #expect(teams["lena"]?.contains("research") == true)
        let page = OrgPage.render(state, page: 1, now: Date(timeIntervalSince1970: 1_800_000_000)).markup
        #expect(page.contains("<h2>Teams</h2>") && page.contains("<h2>Routines</h2>"))
        let inherited = try #require(state.routines.values.first { $0.timeZone == nil })
        #expect(
            OrgView.timeZone(of: inherited, organization: state.organization)
                == "\(state.organization?.timeZone ?? "") (organization)")
        #expect(page.contains("(organization)"))
    }

    @Test func theRunGraphLabelsEveryStateInText() {
        let steps: [Value] = [
            ["name": "fetch", "type": "shell", "state": "succeeded", "attempts": 1, "needs": [], "durationMs": 1500],
            ["name": "review", "type": "agent", "state": "failed", "attempts": 3, "needs": ["fetch"]],
        ]
        let svg = RunGraph.render(steps: steps, run: "r1").markup
        #expect(svg.contains("<title id=\"dag-title\">Steps of run r1</title>"))
        #expect(svg.contains(">succeeded · 1 attempt · 1.5 s<") && svg.contains(">failed · 3 attempts<"))
        #expect(svg.contains("marker-end=\"url(#arrow)\""))
    }

    @Test func pagesHaveTheLayoutAndNoRawScriptFromData() {
        let html = RunsPage.render(
            [["id": "a<b", "template": "t", "state": "running", "createdAt": "2026-01-01T00:00:00Z"]], page: 1,
            hasMore: true, routine: nil
        ).markup
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<nav aria-label=\"Sections\">") && html.contains("<th scope=\"col\">state</th>"))
        #expect(html.contains("a&lt;b") && !html.contains("a<b"))
        #expect(html.contains("rel=\"next\""))
    }
}
