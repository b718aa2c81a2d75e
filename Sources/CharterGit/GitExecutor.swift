import Dispatch

/// A serial executor over a private dispatch queue, so that blocking libgit2 calls run on their own
/// thread and never on Swift's cooperative pool.
///
/// `DispatchSerialQueue` (Apple's ready-made queue executor) does not exist on Linux, hence this type.
final class GitExecutor: SerialExecutor {
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
