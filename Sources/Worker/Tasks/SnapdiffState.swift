import Foundation
import Glibc

/// The files a snapdiff keeps per fileset in `<mount>/.rotate/` (manual L11927-11967):
/// `ngenea-worker.lastsnap.name.<fileset>.id.<id>` holds the name of the last snapshot whose changes were
/// synced; `snapdiff.name.<fileset>.id.<id>.lock` is held from the snapdiff until the job's rotate or
/// rollback, and records which job and task hold it and the snapshot they took.
struct SnapdiffState: Sendable {
    struct Lock: Sendable, Equatable {
        var job: Int
        var task: String
        var snapshot: String
        /// The last-snap name the diff was taken against ("-" on a first run).
        var previous: String

        var text: String { "job=\(job)\ntask=\(task)\nsnapshot=\(snapshot)\nprevious=\(previous)\n" }

        init(job: Int, task: String, snapshot: String, previous: String) {
            self.job = job
            self.task = task
            self.snapshot = snapshot
            self.previous = previous
        }

        init?(_ text: String) {
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            guard let job = fields["job"].flatMap(Int.init), let task = fields["task"], let snapshot = fields["snapshot"],
                let previous = fields["previous"]
            else { return nil }
            self = Lock(job: job, task: task, snapshot: snapshot, previous: previous)
        }
    }

    let directory: String
    let lastSnapPath: String
    let lockPath: String

    init(fileset: FilesetCatalog.Fileset) {
        directory = PathText.join(fileset.filesystem.mount, ".rotate")
        lastSnapPath = PathText.join(directory, "ngenea-worker.lastsnap.name.\(fileset.name).id.\(fileset.id)")
        lockPath = PathText.join(directory, "snapdiff.name.\(fileset.name).id.\(fileset.id).lock")
    }

    /// The last synced snapshot, or nil before the first run (or after an administrator removed the file
    /// to sync everything again, L11921-11929).
    func lastSnapshot() throws(TaskFailure) -> String? {
        guard let text = try read(lastSnapPath) else { return nil }
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }

    func recordLastSnapshot(_ name: String) throws(TaskFailure) {
        try writeAtomically(lastSnapPath, name + "\n")
    }

    func currentLock() throws(TaskFailure) -> Lock? {
        try read(lockPath).flatMap(Lock.init)
    }

    /// Takes the lock for `lock.task`. A lock held by the same task (an earlier delivery) is taken over
    /// with what it recorded; one older than `threshold` seconds is stale and replaced; any other fails
    /// the task with the manual's SnapdiffLockError (L11951-11967).
    func acquire(_ lock: Lock, threshold: Int) throws(TaskFailure) -> Lock {
        do {
            try FileSystemCalls.makeDirectories(directory)
        } catch {
            throw TaskFailure("cannot create \(directory): \(error)")
        }
        let fd = open(lockPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if fd >= 0 {
            close(fd)
            try writeAtomically(lockPath, lock.text)
            return lock
        }
        guard errno == EEXIST else { throw TaskFailure("cannot create the lock file \(lockPath): \(String(cString: strerror(errno)))") }
        if let held = try currentLock(), held.task == lock.task { return held }
        var st = stat()
        let age = stat(lockPath, &st) == 0 ? Int(time(nil)) - Int(st.st_mtim.tv_sec) : Int.max
        guard age >= threshold else {
            throw TaskFailure(
                "SnapdiffLockError: Could not perform snapdiff as one is currently running for provided fileset "
                    + "(lock file \(lockPath), \(age) s old)")
        }
        try writeAtomically(lockPath, lock.text)
        return lock
    }

    func release() {
        unlink(lockPath)
    }

    private func read(_ path: String) throws(TaskFailure) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if access(path, F_OK) != 0 { return nil }
            throw TaskFailure("cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Temp file, fsync, rename: a crash leaves the old content or the new, never half of it.
    private func writeAtomically(_ path: String, _ text: String) throws(TaskFailure) {
        let temp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw TaskFailure("cannot write \(temp): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { raw in raw.baseAddress.map { write(fd, $0, raw.count) } ?? 0 }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw TaskFailure("cannot write \(path): \(String(cString: strerror(code)))")
        }
    }
}
