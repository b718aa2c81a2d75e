extension Checker {
    /// Team parents, manager chains and step `needs` must not loop.
    mutating func cycles() {
        var teamParent: [String: String] = [:]
        for (n, t) in state.teams { if let p = t.parent { teamParent[n] = p } }
        for cycle in Self.chainCycles(teamParent) {
            out.add(
                r(.team, cycle[0]).diagnostic(
                    "cycle.team", at: JSONPointer("/spec/parent"),
                    "team parents form a cycle: \(Self.describe(cycle))",
                    hint: "remove one `parent` to break it"))
        }
        var managers: [String: String] = [:]
        for (n, p) in state.people { if let m = p.manager, m != n { managers[n] = m } }
        for cycle in Self.chainCycles(managers) {
            out.add(
                r(.person, cycle[0]).diagnostic(
                    "cycle.manager", at: JSONPointer("/spec/manager"),
                    "managers form a cycle: \(Self.describe(cycle))",
                    hint: "remove one `manager` to break it"))
        }
        for (name, t) in state.templates {
            var graph: [String: [String]] = [:]
            for s in t.steps { graph[s.name] = s.needs }
            if let cycle = Self.graphCycle(graph) {
                let index = t.steps.firstIndex { $0.name == cycle[0] } ?? 0
                out.add(
                    r(.template, name).diagnostic(
                        "cycle.steps", at: JSONPointer("/spec/steps/\(index)/needs"),
                        "step needs form a cycle: \(Self.describe(cycle))",
                        hint: "a workflow must be a DAG; remove one of these `needs`"))
            }
        }
    }

    /// Members shown of a long cycle.
    static let cycleExcerpt = 6

    /// `a → b → c → a`; a long cycle shows its first members and how many more there are.
    static func describe(_ cycle: [String]) -> String {
        guard cycle.count > cycleExcerpt else { return (cycle + [cycle[0]]).joined(separator: " → ") }
        return cycle.prefix(cycleExcerpt).joined(separator: " → ")
            + " → … and \(cycle.count - cycleExcerpt) more → \(cycle[0]) (\(cycle.count) in the cycle)"
    }

    /// Cycles in a graph where each node has at most one successor, each reported once starting
    /// at its smallest name. Linear in the number of nodes.
    static func chainCycles(_ next: [String: String]) -> [[String]] {
        var state: [String: Int] = [:]  // 1 = on the current walk, 2 = done
        var cycles: [[String]] = []
        for start in next.keys.sorted() where state[start] == nil {
            var walk: [String] = []
            var node: String? = start
            while let n = node, state[n] == nil {
                state[n] = 1
                walk.append(n)
                node = next[n]
            }
            if let n = node, state[n] == 1, let i = walk.firstIndex(of: n) {
                var cycle = Array(walk[i...])
                let m = cycle.indices.min { cycle[$0] < cycle[$1] }!
                cycle = Array(cycle[m...] + cycle[..<m])
                cycles.append(cycle)
            }
            for w in walk { state[w] = 2 }
        }
        return cycles
    }

    /// One cycle of a directed graph, if any, found by iterative depth-first search.
    static func graphCycle(_ graph: [String: [String]]) -> [String]? {
        var color: [String: Int] = [:]
        for root in graph.keys.sorted() where color[root] == nil {
            var stack: [(String, Int)] = [(root, 0)]
            var path: [String] = [root]
            color[root] = 1
            while !stack.isEmpty {
                let (node, i) = stack[stack.count - 1]
                let succ = graph[node] ?? []
                if i < succ.count {
                    stack[stack.count - 1].1 += 1
                    let next = succ[i]
                    guard graph[next] != nil else { continue }
                    if color[next] == 1, let at = path.firstIndex(of: next) { return Array(path[at...]) }
                    if color[next] == nil {
                        color[next] = 1
                        stack.append((next, 0))
                        path.append(next)
                    }
                } else {
                    color[node] = 2
                    stack.removeLast()
                    path.removeLast()
                }
            }
        }
        return nil
    }
}
