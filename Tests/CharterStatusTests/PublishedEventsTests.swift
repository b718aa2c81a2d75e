import CharterGit
import CharterStatus
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// What a status branch's events files hold, which of the store's events it lacks, and the names of
/// the files that write them again.
@Suite struct PublishedEventsTests {
    /// Events 1…7 of one chain, as the store holds them.
    static let store = EventFileTests.writer(count: 7).pending

    /// A branch holding `ranges` of `store`, each range in one file.
    static func branch(_ ranges: [ClosedRange<Int>]) -> PublishedEvents {
        var published = PublishedEvents()
        for range in ranges {
            let events = Array(store[(range.lowerBound - 1)...(range.upperBound - 1)])
            published.add(events, from: EventFile.path(for: events))
        }
        return published
    }

    @Test func copiesAreNamedAfterTheUsualPathAndParseLikeIt() {
        let events = Array(Self.store[1...2])
        let usual = EventFile.path(for: events)
        #expect(usual == "events/2026/11/21/000000000002-000000000003.jsonl.gz")
        #expect(EventFile.path(for: events, avoiding: []) == usual)
        let first = EventFile.path(for: events, avoiding: [usual])
        #expect(first == "events/2026/11/21/000000000002-000000000003.1.jsonl.gz")
        #expect(EventFile.path(for: events, avoiding: [usual, first]).hasSuffix("000000000003.2.jsonl.gz"))
        #expect(EventFile.sequenceRange(ofPath: first) == 2...3)
        for bad in [".0", ".01", ".x", ".", ".1.2", "+1"] {
            #expect(
                EventFile.sequenceRange(ofPath: usual.replacingOccurrences(of: "3.jsonl", with: "3\(bad).jsonl")) == nil
            )
        }
        #expect(EventFile.sequenceRange(ofPath: "events/2026/11/21/+1-000000000003.jsonl.gz") == nil)
    }

    @Test func missingEventsGoInOneNewFilePerRunAndNeverOverAnExistingPath() {
        // Events 1…2 and 5 are on the branch; 3…4 were in a file that is gone, 6…7 are new.
        let published = Self.branch([1...2, 5...5])
        #expect(published.divergence(from: Self.store) == nil)
        let files = published.missingFiles(from: Self.store)
        #expect(
            files.map(\.path) == [
                EventFile.path(for: Array(Self.store[2...3])), EventFile.path(for: Array(Self.store[5...6])),
            ])
        let written = files.flatMap { (try? EventFile.read($0.bytes, path: $0.path)) ?? [] }
        #expect(written.map(\.sequence) == [3, 4, 6, 7])

        // When a damaged file holds the usual name, the events are written as a copy beside it.
        var damaged = Self.branch([1...2])
        let usual = EventFile.path(for: Array(Self.store[2...6]))
        damaged.add([Event](), from: usual)
        #expect(
            damaged.missingFiles(from: Self.store).map(\.path) == [
                usual.replacingOccurrences(of: ".jsonl.gz", with: ".1.jsonl.gz")
            ])
        #expect(Self.branch([1...7]).missingFiles(from: Self.store).isEmpty)
    }

    @Test func aBranchThatIsNotTheStoresGetsNothing() {
        let other = EventFileTests.writer(count: 3, at: EventFileTests.start.addingTimeInterval(1)).pending
        var foreign = PublishedEvents()
        foreign.add(other, from: EventFile.path(for: other))
        let problem = foreign.divergence(from: Self.store)
        #expect(problem?.sequence == 1)
        #expect(problem?.message.contains("differs from event 1 in the store") == true)
        #expect(foreign.missingFiles(from: Self.store).isEmpty)
        // Events beyond the store's last: another, longer record.
        #expect(Self.branch([1...7]).divergence(from: Array(Self.store[0...3]))?.sequence == 5)
        // Two readable files disagreeing about one event.
        var conflicting = Self.branch([1...3])
        conflicting.add([other[1]], from: "events/2026/11/21/000000000002-000000000002.jsonl.gz")
        #expect(conflicting.divergence(from: Self.store)?.message.contains("differs from event 2 in") == true)
    }

    @Test func damagedFilesAreReadAsDamagedAndTheirEventsFoundElsewhere() async throws {
        let repo = try GitFixture(name: "published")
        try repo.write("a", "a")
        try repo.commitAll("a")
        let git = try await GitRepository.open(at: repo.root)
        let first = Array(Self.store[0...2])
        let second = Array(Self.store[3...4])
        let damagedPath = EventFile.path(for: second)
        let copyPath = EventFile.path(for: second, avoiding: [damagedPath])
        let commit = try await git.createCommit(
            parent: try await git.resolve("main"),
            changes: [
                EventFile.path(for: first): .write(EventFile.contents(first)),
                damagedPath: .write(Array(EventFile.contents(second).prefix(10))),
                copyPath: .write(EventFile.contents(second)),
                "events/2026/11/21/000000000006-000000000006.jsonl.gz": .writeExecutable(Array("x".utf8)),
            ],
            message: "events", author: GitSignature(name: "t", email: "t@example.com"))
        let cache = EventFileCache()
        let published = try await PublishedEvents.read(from: git, at: commit, cache: cache)
        #expect(published.events.keys.sorted() == [1, 2, 3, 4, 5])
        #expect(published.damaged.map(\.path) == [damagedPath, "events/2026/11/21/000000000006-000000000006.jsonl.gz"])
        #expect(published.damaged.first?.message.contains("gzip") == true)
        #expect(published.copies(of: published.damaged[0]) == [copyPath])
        #expect(published.copies(of: published.damaged[1]) == nil)
        // Read again from the cache: the same answer.
        let again = try await PublishedEvents.read(from: git, at: commit, cache: cache)
        #expect(again.events == published.events && again.damaged == published.damaged)
        // The tolerant chain reader gives the readable chain and the unreadable files.
        let (chain, unreadable) = try await EventChain.readReadable(from: git, at: commit)
        #expect(chain.verify() == nil)
        #expect(unreadable.count == 2)
    }
}
