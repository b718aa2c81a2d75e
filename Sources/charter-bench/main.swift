import Foundation

/// charter-bench: generates synthetic organizations and measures load and plan against them.
///
///     charter-bench generate --resources N --out DIR [--seed S]
///     charter-bench run [--resources 1000,10000,100000] [--iterations K] [--seed S] [--data-dir DIR]
///     charter-bench measure-one --repo DIR [--iterations K]     (used by `run`; prints JSON)
///     charter-bench engine [--runs 1000] [--steps 10] [--shape chain|dag] [--parallel 10000] …
///     charter-bench broker [--concurrency 500] [--calls 20000] [--rounds 5] [--latency-ms 0]
///     charter-bench hostile [--out DIR] [--cases a,b]
let usage = """
    usage:
      charter-bench generate --resources N --out DIR [--seed S]
      charter-bench run [--resources 1000,10000,100000] [--iterations K] [--seed S] [--data-dir DIR]
      charter-bench measure-one --repo DIR [--iterations K]
      charter-bench engine [--runs 1000] [--steps 10] [--shape dag|chain] [--parallel 10000]
                           [--concurrency 256] [--per-run 16] [--timeout-ms 600000|none] [--data-dir DIR]
      charter-bench broker [--concurrency 500] [--calls 20000] [--rounds 5] [--latency-ms 0] [--data-dir DIR]
      charter-bench hostile [--out DIR] [--cases durations,patterns,…]
      charter-bench agent [--calls 500] [--rounds 5] [--data-dir DIR]
      charter-bench dashboard [--resources 10000] [--iterations 21] [--data-dir DIR]
      charter-bench api-data --out DIR [--resources 10000] [--runs 10000]

    generate     writes a synthetic org of about N resources as a git repository: tag `applied` is the
                 state as last applied, `main` the state to plan (about 1 % of people changed).
    run          generates each size (reusing DIR/org-N-seedS when --data-dir is given), measures it in
                 a child process and prints a Markdown table of medians.
    measure-one  measures one generated repository in this process and prints the result as JSON.
    engine       runs the workflow engine with no-op steps and durability on: RUNS runs of STEPS steps
                 (submitted one by one), then one run of PARALLEL independent steps; prints steps/s,
                 wall and CPU time per step and peak RSS.
    broker       starts an OpenAI-compatible server on 127.0.0.1 answering after LATENCY-MS ±50 %, then
                 per round makes CALLS calls from CONCURRENCY callers, directly and through the capacity
                 broker (real usage.sqlite); prints the broker's overhead per call (p50, p99, max).
    agent        runs one agent step whose model (in process, answering at once) calls a no-op tool
                 CALLS times, durability on; prints the loop's own time per tool call (p50, p90, p99).
    dashboard    bootstraps a synthetic org into a fresh data directory and renders the dashboard's
                 overview and organization pages ITERATIONS times each; prints median, p90 and bytes.
    api-data     generates a synthetic org in DIR (reused when present), bootstraps its `applied` tag
                 into DIR/data and runs RUNS two-step no-op runs to completion there: the store
                 scripts/api-bench.sh starts a controller on and loads with wrk.
    hostile      writes each hostile input (huge durations, bad ports, backtracking patterns, 16,000
                 steps, a 50,000-team cycle, a noisy blob at 20 paths, a tree bomb, …) as a git
                 repository under DIR and loads its `proposals/hostile` branch in a child process;
                 prints a Markdown table: time, peak RSS, diagnostics shown of found, output bytes.

    """

/// Command-line options as `--name value` pairs after the subcommand.
struct Options {
    var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments
        while let name = rest.popFirst() {
            guard name.hasPrefix("--"), let value = rest.popFirst() else {
                throw UsageError(message: "expected `--option value`, found `\(name)`")
            }
            values[String(name.dropFirst(2))] = value
        }
    }

    func string(_ name: String) -> String? { values[name] }

    func int(_ name: String, default value: Int? = nil, allowZero: Bool = false) throws -> Int {
        guard let text = values[name] else {
            guard let value else { throw UsageError(message: "missing --\(name)") }
            return value
        }
        guard let n = Int(text.replacingOccurrences(of: "_", with: "")), n > 0 || (allowZero && n == 0) else {
            throw UsageError(
                message: "--\(name) needs a \(allowZero ? "non-negative" : "positive") integer, found `\(text)`")
        }
        return n
    }
}

struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message + "\n\n" + usage }
}

func main() async throws {
    let arguments = CommandLine.arguments.dropFirst()
    guard let command = arguments.first else { throw UsageError(message: "no subcommand") }
    let options = try Options(arguments.dropFirst())
    let seed = UInt64(try options.int("seed", default: 42))
    switch command {
    case "generate":
        let size = try options.int("resources")
        guard let out = options.string("out") else { throw UsageError(message: "missing --out") }
        let org = SyntheticOrg(resources: size, seed: seed)
        let files = try OrgWriter.write(org, to: URL(fileURLWithPath: out))
        print("wrote \(org.shape.total) resources in \(files) files to \(out) (seed \(seed))")
    case "run":
        let sizes = try (options.string("resources") ?? "1000,10000,100000").split(separator: ",").map {
            guard let n = Int($0.replacingOccurrences(of: "_", with: "")), n > 0 else {
                throw UsageError(message: "--resources takes a comma-separated list of sizes")
            }
            return n
        }
        let runner = BenchRunner(
            sizes: sizes, iterations: try options.int("iterations", default: 5), seed: seed,
            dataDirectory: options.string("data-dir").map { URL(fileURLWithPath: $0) })
        try await runner.run()
    case "measure-one":
        guard let repo = options.string("repo") else { throw UsageError(message: "missing --repo") }
        let measurer = Measurer(
            repositoryURL: URL(fileURLWithPath: repo), iterations: try options.int("iterations", default: 5))
        let result = try await measurer.run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    case "engine":
        guard let shape = EngineBenchmark.Shape(rawValue: options.string("shape") ?? "dag") else {
            throw UsageError(message: "--shape is chain or dag")
        }
        let benchmark = EngineBenchmark(
            runs: try options.int("runs", default: 1000), stepsPerRun: try options.int("steps", default: 10),
            shape: shape, parallelSteps: try options.int("parallel", default: 10_000),
            maxConcurrentSteps: try options.int("concurrency", default: 256),
            maxConcurrentStepsPerRun: try options.int("per-run", default: 16),
            timeoutMilliseconds: options.string("timeout-ms") == "none"
                ? nil : try options.int("timeout-ms", default: 600_000),
            dataDirectory: options.string("data-dir").map { URL(fileURLWithPath: $0) })
        try await benchmark.run()
    case "broker":
        let benchmark = BrokerBench(
            concurrency: try options.int("concurrency", default: 500), calls: try options.int("calls", default: 20_000),
            rounds: try options.int("rounds", default: 5),
            latencyMilliseconds: try options.int("latency-ms", default: 0, allowZero: true),
            dataDirectory: options.string("data-dir").map { URL(fileURLWithPath: $0) })
        try await benchmark.run()
    case "agent":
        try await AgentBench(
            calls: try options.int("calls", default: 500), rounds: try options.int("rounds", default: 5),
            dataDirectory: options.string("data-dir").map { URL(fileURLWithPath: $0) }
        ).run()
    case "api-data":
        guard let out = options.string("out") else { throw UsageError(message: "missing --out") }
        try await APIBenchData(
            resources: try options.int("resources", default: 10_000), runs: try options.int("runs", default: 10_000),
            seed: seed, directory: URL(fileURLWithPath: out)
        ).run()
    case "dashboard":
        try await DashboardBench(
            resources: try options.int("resources", default: 10_000),
            iterations: try options.int("iterations", default: 21),
            seed: seed, dataDirectory: options.string("data-dir").map { URL(fileURLWithPath: $0) }
        ).run()
    case "hostile":
        let out =
            options.string("out").map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("charter-hostile")
        try HostileBench(
            directory: out, only: options.string("cases").map { $0.split(separator: ",").map(String.init) }
        ).run()
    case "hostile-one":
        guard let repo = options.string("repo") else { throw UsageError(message: "missing --repo") }
        let result = try await HostileBench.measureOne(
            repo: URL(fileURLWithPath: repo), name: options.string("name") ?? repo)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    case "-h", "--help", "help":
        print(usage, terminator: "")
    default:
        throw UsageError(message: "unknown subcommand `\(command)`")
    }
}

do {
    try await main()
} catch {
    FileHandle.standardError.write(Data("charter-bench: \(error)\n".utf8))
    exit(1)
}
