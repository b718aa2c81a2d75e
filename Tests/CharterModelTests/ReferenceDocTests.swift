import CharterModel
import Foundation
import Testing

@Suite struct ReferenceDocTests {
    @Test func resourceReferenceIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let checkedIn = try String(contentsOf: root.appendingPathComponent("docs/RESOURCES.md"), encoding: .utf8)
        #expect(
            checkedIn == ReferenceEmitter.markdown(),
            "docs/RESOURCES.md is stale: run `charter schema --markdown > docs/RESOURCES.md`")
    }
}
