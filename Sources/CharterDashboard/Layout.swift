/// The frame every page shares: the document head, a small inline style sheet, the navigation,
/// and one `<main>` with the page's heading.
enum Layout {
    /// The sections, in navigation order: path and label.
    static let sections: [(path: String, label: String)] = [
        ("/", "Overview"), ("/proposals", "Proposals"), ("/runs", "Runs"), ("/org", "Organization"),
        ("/cost", "Cost"),
    ]

    /// A whole page. `live` adds the script that refreshes `<main>` in place (the page works without it).
    static func page(title: String, section: String, live: Bool = false, _ body: HTML) -> HTML {
        let nav = HTML.join(
            sections.map { s in
                s.path == section
                    ? "<li><a href=\"\(attribute: s.path)\" aria-current=\"page\">\(plain: s.label)</a></li>"
                    : "<li><a href=\"\(attribute: s.path)\">\(plain: s.label)</a></li>"
            })
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(plain: title) — Charter</title>
            <style>\(raw: style)</style>
            \(raw: live ? "<script src=\"/dashboard.js\" defer></script>" : HTML.empty)
            </head><body>
            <header><nav aria-label="Sections"><span class="brand">Charter</span><ul>\(raw: nav)</ul></nav></header>
            <main id="main"\(raw: live ? " data-live=\"true\"" : HTML.empty)>
            <h1>\(title)</h1>
            \(raw: body)
            </main>
            </body></html>

            """
    }

    /// A section with a heading and content.
    static func section(_ heading: String, id: String? = nil, _ content: HTML) -> HTML {
        "<section\(raw: id.map { " id=\"\(attribute: $0)\"" as HTML })><h2>\(plain: heading)</h2>\(raw: content)</section>"
    }

    /// A table with a caption, header cells and rows; `empty` when there are no rows.
    static func table(caption: String, headers: [String], rows: [[HTML]], empty: String = "None.") -> HTML {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(plain: empty)</p>" }
        let head = HTML.join(headers.map { "<th scope=\"col\">\(plain: $0)</th>" })
        let body = HTML.join(rows.map { cells in "<tr>\(raw: HTML.join(cells.map { "<td>\(raw: $0)</td>" }))</tr>" })
        return
            "<table><caption>\(plain: caption)</caption><thead><tr>\(raw: head)</tr></thead><tbody>\(raw: body)</tbody></table>"
    }

    /// A state as a badge: a color and always its name, so color is never the only signal.
    static func badge(_ state: String) -> HTML {
        "<span class=\"badge s-\(attribute: state)\">\(plain: state)</span>"
    }

    /// A link.
    static func link(_ path: String, _ text: String) -> HTML { "<a href=\"\(attribute: path)\">\(text)</a>" }

    /// Previous and next page links.
    static func pager(path: String, page: Int, hasMore: Bool) -> HTML {
        var links: [HTML] = []
        if page > 1 { links.append("<a rel=\"prev\" href=\"\(attribute: "\(path)page=\(page - 1)")\">← newer</a>") }
        links.append("<span>page \(page)</span>")
        if hasMore { links.append("<a rel=\"next\" href=\"\(attribute: "\(path)page=\(page + 1)")\">older →</a>") }
        return "<nav class=\"pager\" aria-label=\"Pages\">\(raw: HTML.join(links, separator: " "))</nav>"
    }

    static let style: HTML = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
        header{background:#1b1f24;color:#fff}nav ul{display:inline-flex;list-style:none;margin:0;padding:0;gap:1em}
        header nav{padding:.6em 1em}header a{color:#dfe6ee}header a[aria-current]{color:#fff;font-weight:700}
        .brand{font-weight:700;margin-right:1.5em}main{padding:1em 1.5em;max-width:72em}
        table{border-collapse:collapse;margin:.5em 0 1em}caption{text-align:left;font-weight:600;padding:.2em 0}
        th,td{border-bottom:1px solid #d6dbe1;padding:.25em .6em;text-align:left;vertical-align:top}
        pre{background:#f4f6f8;padding:.6em;overflow:auto;white-space:pre-wrap}code{background:#f4f6f8}
        .badge{border-radius:.3em;padding:0 .4em;font-size:.9em;border:1px solid #889}
        .s-succeeded,.s-True,.s-applied,.s-approved{background:#d9f2dd}.s-failed,.s-rejected,.s-False{background:#fbdada}
        .s-running,.s-open,.s-pending{background:#fff2c6}.s-waiting,.s-waitingApproval{background:#e4e1fb}
        .s-cancelled,.s-skipped,.s-superseded{background:#eceff2}
        mark.lookalike{background:#ffe08a;margin-left:.4em;font-size:.85em}.empty{color:#5a6570}
        .pager{margin:.5em 0}.pager a,.pager span{margin-right:1em}svg text{font:12px system-ui,sans-serif}
        ul.tree{list-style:none;padding-left:1.2em}ul.tree li{margin:.1em 0}
        """
}
