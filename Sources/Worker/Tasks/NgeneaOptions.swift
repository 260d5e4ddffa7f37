/// kwargs -> flags of ngmigrate, ngrecall and ngunmanage (spec/03 §13.2, manual L12230-12293;
/// docs/tasks.md has the table).
enum NgeneaOptions {
    static let lockLevels = ["partial", "implicit", "none"]

    /// `dynamo.tasks.migrate` -> ngmigrate. `migrate_offline_files` false (the default) adds
    /// `--sync-metadata`, so offline (migrated) files get their remote metadata synced instead of being
    /// migrated again (L12243).
    static func migrate(_ kwargs: TaskArguments) throws(TaskFailure) -> [String] {
        var flags: [String] = []
        if try kwargs.bool(anyOf: ["premigrate", "pre_migrate"], default: false) { flags.append("--premigrate") }
        if let stubSize = try kwargs.int("stub_size", range: 0...Int.max) { flags += ["--stub-size", String(stubSize)] }
        let overwrite = try kwargs.bool("overwrite", default: false)
        let failOnMismatch = try kwargs.bool("fail_on_mismatch", default: false)
        if overwrite && failOnMismatch {
            throw TaskFailure("kwargs 'overwrite' and 'fail_on_mismatch' exclude each other")
        }
        if overwrite { flags.append("--overwrite") }
        if failOnMismatch { flags.append("--fail-on-mismatch") }
        flags += try common(kwargs, lockLevel: true)
        if try kwargs.bool("abort_missing", default: false) { flags.append("--abort-missing") }
        if !(try kwargs.bool("migrate_offline_files", default: false)) { flags.append("--sync-metadata") }
        return flags
    }

    /// `dynamo.tasks.recall` -> ngrecall.
    static func recall(_ kwargs: TaskArguments) throws(TaskFailure) -> [String] {
        var flags: [String] = []
        if try kwargs.bool("skip_hash", default: false) { flags.append("--skip-hash") }
        flags += try common(kwargs, lockLevel: true)
        flags += try owners(kwargs)
        flags += try times(kwargs)
        if try kwargs.bool("delete_remote", default: false) { flags.append("--delete-remote") }
        return flags
    }

    /// `dynamo.tasks.reverse_stub` -> `ngrecall --stub`; `extra_flags` go through as they are (the sub-DAG
    /// example passes `--skip-check-uuid`, L9762-9773).
    static func reverseStub(_ kwargs: TaskArguments) throws(TaskFailure) -> [String] {
        var flags = ["--stub"]
        if try kwargs.bool("hydrate", default: false) { flags.append("--hydrate") }
        if let stubSize = try kwargs.int("stub_size", range: 0...Int.max) { flags += ["--stub-size", String(stubSize)] }
        if try kwargs.bool("skip_hash", default: false) { flags.append("--skip-hash") }
        if try kwargs.bool("overwrite", default: false) { flags.append("--overwrite") }
        flags += try common(kwargs, lockLevel: true)
        flags += try owners(kwargs)
        flags += try times(kwargs)
        flags += try kwargs.stringList("extra_flags") ?? []
        return flags
    }

    /// `dynamo.tasks.unmanage` -> ngunmanage.
    static func unmanage(_ kwargs: TaskArguments) throws(TaskFailure) -> [String] {
        var flags = try common(kwargs, lockLevel: true, endpoint: false)
        if try kwargs.bool("no_flock", default: false) {
            if try kwargs.choice("lock_level", lockLevels) == "partial" {
                throw TaskFailure("kwarg 'no_flock' conflicts with lock_level 'partial' (L12288)")
            }
            flags.append("--no-flock")
        }
        if let key = try kwargs.string("storage_key") { flags += ["--storage-key", key] }
        return flags
    }

    /// `dynamo.tasks.ngenea_sync_metadata` -> `ngmigrate --sync-metadata`.
    static func syncMetadata(_ kwargs: TaskArguments) throws(TaskFailure) -> [String] {
        ["--sync-metadata"] + (try common(kwargs, lockLevel: false))
    }

    private static func common(_ kwargs: TaskArguments, lockLevel: Bool, endpoint: Bool = true) throws(TaskFailure) -> [String] {
        var flags: [String] = []
        if lockLevel, let level = try kwargs.choice("lock_level", lockLevels) { flags += ["--lock-level", level] }
        if endpoint, let target = try kwargs.string("endpoint"), !target.isEmpty { flags += ["--endpoint", target] }
        return flags
    }

    private static func owners(_ kwargs: TaskArguments) throws(TaskFailure) -> [String] {
        var flags: [String] = []
        if let uid = try kwargs.string("default_uid"), !uid.isEmpty { flags += ["--default-uid", uid] }
        if let gid = try kwargs.string("default_gid"), !gid.isEmpty { flags += ["--default-gid", gid] }
        return flags
    }

    private static func times(_ kwargs: TaskArguments) throws(TaskFailure) -> [String] {
        var flags: [String] = []
        if try kwargs.bool("update_atime", default: false) { flags.append("--update-atime") }
        if try kwargs.bool("update_mtime", default: false) { flags.append("--update-mtime") }
        return flags
    }
}
