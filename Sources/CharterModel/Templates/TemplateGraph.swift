/// The `needs` graph of a template, for "which steps surely finished before this one".
///
/// Every step's upstream set is computed at once, the first time one is asked for: Tarjan's
/// algorithm finds the strongly connected components (a cycle is one component, reported
/// elsewhere) in an order where each component comes after every component it needs, and each
/// component's upstream steps are a bit set: its members' needs plus those components' sets.
/// That is O(steps + needs) graph work and at most components × needs / 64 word operations — a
/// search per step, as before, was quadratic (16,000 chained steps took most of a minute).
final class TemplateGraph {
    /// Step names in template order, for suggestions.
    let stepNames: [String]
    /// The template's parameters by name (the first of duplicates).
    let parameters: [String: TemplateParameter]
    /// Each name's node (the first step of that name).
    private let node: [String: Int]
    /// Each node's needs, as nodes; names that are not steps are left out (reported elsewhere).
    private let needs: [[Int]]
    /// Each node's component, and each component's upstream nodes as bits; nil until first asked.
    private var closure: (component: [Int], upstream: [[UInt64]])?

    init(_ t: Template) {
        stepNames = t.steps.map(\.name)
        parameters = Dictionary(t.parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var node: [String: Int] = [:]
        var firstSteps: [TemplateStep] = []
        for s in t.steps where node[s.name] == nil {
            node[s.name] = firstSteps.count
            firstSteps.append(s)
        }
        self.node = node
        needs = firstSteps.map { s in s.needs.compactMap { node[$0] } }
    }

    /// Whether the template has a step named `name`.
    func contains(_ name: String) -> Bool { node[name] != nil }

    /// Whether `a` is reachable through `needs` from `b`; a step is never upstream of itself,
    /// even in a cycle.
    func isUpstream(_ a: String, of b: String) -> Bool {
        guard a != b, let x = node[a], let y = node[b] else { return false }
        if closure == nil { closure = Self.closure(needs) }
        let bits = closure!.upstream[closure!.component[y]]
        return bits[x >> 6] & (1 << UInt64(x & 63)) != 0
    }

    /// Tarjan's strongly connected components, iteratively (no recursion on hostile input), with
    /// each component's upstream set built when the component is complete.
    static func closure(_ needs: [[Int]]) -> (component: [Int], upstream: [[UInt64]]) {
        let n = needs.count
        let words = (n + 63) / 64
        var order = [Int](repeating: -1, count: n)
        var low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var component = [Int](repeating: -1, count: n)
        var stack: [Int] = []
        var upstream: [[UInt64]] = []
        var counter = 0
        for root in 0..<n where order[root] < 0 {
            var work: [(node: Int, next: Int)] = []
            func visit(_ v: Int) {
                order[v] = counter
                low[v] = counter
                counter += 1
                stack.append(v)
                onStack[v] = true
                work.append((v, 0))
            }
            visit(root)
            while let (v, i) = work.last {
                if i < needs[v].count {
                    work[work.count - 1].next += 1
                    let w = needs[v][i]
                    if order[w] < 0 {
                        visit(w)
                    } else if onStack[w] {
                        low[v] = min(low[v], order[w])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.node { low[parent] = min(low[parent], low[v]) }
                guard low[v] == order[v] else { continue }
                // v roots a component; every component it needs is already complete.
                let c = upstream.count
                var members: [Int] = []
                while true {
                    let w = stack.removeLast()
                    onStack[w] = false
                    component[w] = c
                    members.append(w)
                    if w == v { break }
                }
                var bits = [UInt64](repeating: 0, count: words)
                for m in members {
                    for p in needs[m] {
                        bits[p >> 6] |= 1 << UInt64(p & 63)
                        if component[p] != c {
                            for k in 0..<words { bits[k] |= upstream[component[p]][k] }
                        }
                    }
                }
                upstream.append(bits)
            }
        }
        return (component, upstream)
    }
}
