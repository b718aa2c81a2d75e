import CharterYAML
import Foundation
import Yams

// The same 10,000 Person documents as CharterYAML's own benchmark (~3.2 MB).
var text = ""
for i in 0..<10_000 {
    let t = i % 50
    text += """
        ---
        apiVersion: charter/v1
        kind: Person
        metadata:
          name: p-\(i)
          labels: {team: t-\(t)}
        spec:
          displayName: Person \(i)
          type: human
          teams: [t-\(t)]
          email: p\(i)@example.com
          manager: p-\(i / 10)
          sshKeys:
            - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0\(i) p\(i)@laptop

        """
}
let bytes = Array(text.utf8)
let limits = YAMLLimits(maxBytes: 16 << 20, maxDepth: 64, maxNodes: 1 << 22)
let clock = ContinuousClock()
func median(_ xs: [Duration]) -> Double {
    let s = xs.sorted()
    let d = s[s.count / 2].components
    return Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15
}
var count: [Duration] = [], ours: [Duration] = [], yamsCompose: [Duration] = [], yamsBasic: [Duration] = []
for _ in 0..<7 {
    count.append(try clock.measure { _ = try YAMLParser.countEvents(bytes) })
    ours.append(try clock.measure { _ = try YAMLParser.parse(bytes, limits: limits) })
    yamsCompose.append(try clock.measure { _ = try Array(Yams.compose_all(yaml: text)) })
    yamsBasic.append(try clock.measure { _ = try Array(Yams.compose_all(yaml: text, .basic)) })
}
print("bytes \(bytes.count)")
print(String(format: "libyaml events (countEvents): %.1f ms", median(count)))
print(String(format: "CharterYAML.parse (tree+marks): %.1f ms", median(ours)))
print(String(format: "Yams.compose_all (default resolver): %.1f ms", median(yamsCompose)))
print(String(format: "Yams.compose_all (.basic resolver): %.1f ms", median(yamsBasic)))
