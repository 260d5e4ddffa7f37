/// Dynamic file batching (`enable_auto_file_batch_sizing`, on by default, L11328, L11347-11351): the
/// batch size grows with the number of files the job is processing, "from a predefined set of ranges".
/// The manual gives no table (spec/03 gap 1); this one keeps small jobs exactly as configured, and lets a
/// job of millions of files run a tenth as many tasks, without letting one task's payload grow past a
/// thousand files (the manual warns that very large batches can be rejected). The GB limit still applies.
public enum DynamicBatching {
    /// (jobs of at least this many files, multiplier of the site's `file_batch_size`)
    public static let ranges: [(files: Int, factor: Int)] = [(1_000_000, 10), (100_000, 5), (10_000, 2)]
    /// The largest batch it makes (unless the site's own size is larger).
    public static let ceiling = 1000

    /// The batch size for a job that has `jobFiles` files so far, on a site whose size is `base`.
    public static func fileBatchSize(base: Int, jobFiles: Int) -> Int {
        guard let factor = ranges.first(where: { jobFiles >= $0.files })?.factor else { return base }
        return max(base, min(base * factor, ceiling))
    }
}
