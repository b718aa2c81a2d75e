import CharterControl
import CharterDashboard
import CharterEngine
import CharterStore
import Foundation

/// `charter-bench dashboard`: renders the dashboard's overview and organization pages against a
/// synthetic organization bootstrapped into a fresh data directory, the way a request does (open
/// the stores once, then read and render), and prints the median, p90 and size of each. The pages
/// read `charter.sqlite`, `runs.sqlite` and `usage.sqlite` on every request, through the stores'
/// caches of the applied state and decoded proposals, as in the controller.
struct DashboardBench {
    var resources: Int
    var iterations: Int
    var seed: UInt64
    var dataDirectory: URL?

    func run() async throws {
        let root = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("charter-dash-bench")
        let repo = root.appendingPathComponent("org-\(resources)-seed\(seed)")
        if !FileManager.default.fileExists(atPath: repo.appendingPathComponent(".git").path) {
            progress("generating \(resources) resources in \(repo.path)")
            _ = try OrgWriter.write(SyntheticOrg(resources: resources, seed: seed), to: repo)
        }
        let data = root.appendingPathComponent("data-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let store = try StateStore(directory: data)
        progress("bootstrapping the applied state")
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.path, revision: "applied"), store: store, dataDirectory: data,
            actor: "bench")
        let pages = DashboardPages(dataDirectory: data, state: store, runs: try RunStore(directory: data), latest: nil)
        print("| page | median ms | p90 ms | bytes |")
        print("| --- | --- | --- | --- |")
        for (name, render) in [
            ("overview `/`", { try pages.overview() }), ("organization `/org`", { try pages.organization(page: 1) }),
        ] as [(String, () throws -> DashboardPages.Rendered)] {
            var times: [Double] = []
            var bytes = 0
            _ = try render()  // warm the page cache and SQLite's
            for _ in 0..<iterations {
                let start = DispatchTime.now().uptimeNanoseconds
                bytes = try render().html.markup.utf8.count
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            times.sort()
            let median = times[times.count / 2]
            let p90 = times[min(times.count - 1, times.count * 9 / 10)]
            print("| \(name) | \(String(format: "%.1f", median)) | \(String(format: "%.1f", p90)) | \(bytes) |")
        }
    }
}
