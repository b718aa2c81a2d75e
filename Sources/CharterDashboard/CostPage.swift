import CharterBroker
import CharterModel

/// `/cost`: LLM cost over the last days by day, role, routine and source — the rows of
/// ``CostView/rows(_:by:)``, as `charter cost -o json` and the API give them — as bar charts with
/// a table each, and today's spend against every daily budget.
enum CostPage {
    /// Bars per chart; the table under it lists every row.
    static let barLimit = 20

    static func render(groups: [(UsageGrouping, Value)], days: Int, spend: Spend) -> HTML {
        var body: HTML =
            "<p>The last \(days) days. <code>charter cost --by day|role|routine|source --since \(days)d</code> prints the same rows.</p>"
        body += Layout.section("Today against budgets", id: "budgets", budgets(spend))
        for (grouping, rows) in groups {
            let list = rows.array ?? []
            let key = grouping.rawValue
            var bars = list.map { r in
                BarChart.Bar(
                    label: r[key]?.string ?? "-", value: Int64(r["costMicroUSD"]?.int ?? 0),
                    text:
                        "\(r["cost"]?.string ?? "") · \((r["inputTokens"]?.int ?? 0) + (r["outputTokens"]?.int ?? 0)) tokens"
                )
            }
            // Days read left to right in time; other groupings largest first, as the ledger sorts them.
            if grouping == .day { bars.sort { $0.label < $1.label } }
            var html = BarChart.render(title: "Cost by \(key), last \(days) days", bars: Array(bars.prefix(barLimit)))
            html += Layout.table(
                caption: "Cost by \(key)", headers: [key, "calls", "failed", "refused", "input", "output", "cost"],
                rows: list.map { r in
                    [
                        "\(r[key]?.string ?? "-")", "\(r["calls"]?.int ?? 0)", "\(r["failures"]?.int ?? 0)",
                        "\(r["refused"]?.int ?? 0)", "\(r["inputTokens"]?.int ?? 0)", "\(r["outputTokens"]?.int ?? 0)",
                        "\(r["cost"]?.string ?? "")",
                    ]
                }, empty: "No LLM calls in this period.")
            body += Layout.section("By \(key)", id: "by-\(key)", html)
        }
        return Layout.page(title: "Cost", section: "/cost", body)
    }

    static func budgets(_ spend: Spend) -> HTML {
        var html: HTML = "<p>Budget day \(spend.day) (\(spend.zone)).</p>"
        let limited = spend.lines.filter { $0.limit?.costMicrosPerDay != nil }
        for line in limited.prefix(barLimit) {
            let limit = line.limit?.costMicrosPerDay ?? 0
            html += BarChart.render(
                title: "Cost today of \(line.scope) against its budget",
                bars: [BarChart.Bar(label: line.scope, value: line.costMicros, text: TokenPrices.usd(line.costMicros))],
                limit: limit, limitText: TokenPrices.usd(limit))
        }
        html += Layout.table(
            caption: "Spend today", headers: ["scope", "used"],
            rows: spend.lines.map { l in
                ["\(l.scope)", "\(Spend.text(tokens: l.tokens, costMicros: l.costMicros, limit: l.limit))"]
            })
        return html
    }
}
