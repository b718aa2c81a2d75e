import CharterModel
import Foundation

/// `/runs`: runs newest first from ``RunViews/list(_:)`` (what `charter runs -o json` and the API
/// list), a page at a time.
enum RunsPage {
    static func render(_ list: Value, page: Int, hasMore: Bool, routine: String?) -> HTML {
        let rows: [[HTML]] = (list.array ?? []).map { r in
            let id = r["id"]?.string ?? ""
            return [
                Layout.link("/runs/\(id)", id), "\(r["template"]?.string ?? "")", "\(r["routine"]?.string ?? "")",
                Layout.badge(r["state"]?.string ?? ""), "\(r["createdAt"]?.string ?? "")",
                "\(r["finishedAt"]?.string ?? "")",
            ]
        }
        var body: HTML = ""
        if let routine { body += "<p>Runs of routine <strong>\(routine)</strong>. <a href=\"/runs\">All runs</a>.</p>" }
        body += Layout.table(
            caption: "Runs, newest first", headers: ["run", "template", "routine", "state", "created", "finished"],
            rows: rows, empty: page == 1 ? "No runs yet." : "No runs on this page.")
        let query = routine.map { "routine=\($0.addingPercentEncodingForQuery)&" } ?? ""
        body += Layout.pager(path: "/runs?\(query)", page: page, hasMore: hasMore)
        return Layout.page(title: "Runs", section: "/runs", body)
    }
}

extension String {
    /// The text as a URL query value.
    var addingPercentEncodingForQuery: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
