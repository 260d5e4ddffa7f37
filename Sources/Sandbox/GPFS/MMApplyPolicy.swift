import Glibc

/// `mmapplypolicy PATH -P POLICY [-I defer|yes|test] [-f PREFIX] [-L n]`: the subset of the policy
/// engine that the hub's policy compiler emits (docs/sandbox.md, "mmapplypolicy subset").
enum MMApplyPolicy {
    static let usage = """
    usage: mmapplypolicy {PATH | Device} -P POLICYFILE [-I yes|defer|test] [-f PREFIX] [-L n]
      Rules: EXTERNAL LIST, EXTERNAL POOL, LIST, MIGRATE [FROM POOL [THRESHOLD(high,low[,premigrate])]]
             [WEIGHT] TO POOL [LIMIT(n)], EXCLUDE.
      -I yes (default)  write candidate lists and run the EXEC programs of external lists/pools as
                        PROGRAM LIST|MIGRATE|PREMIGRATE LISTFILE [OPTS]; MIGRATE to an internal pool
                        moves the file to that pool (user.ngenea.pool)
      -I defer          write PREFIX.list.<list or pool name> and PREFIX.premigrate.<pool> (needs -f)
                        and assign internal-pool moves (GPFS defers only their data movement)
      -I test           evaluate and report only
      -L n              n >= 2 also prints every chosen file
      accepted and ignored: -N nodes, -g dir, -s dir, -m n, -B n, -a n, -n n, --scope X, --single-instance
    """

    private enum OutputKind: Equatable {
        case list, migrate, premigrate

        var label: String {
            switch self {
            case .list: "list"
            case .migrate: "pool"
            case .premigrate: "premigrate to pool"
            }
        }

        /// The first argument of the EXEC program.
        var operation: String {
            switch self {
            case .list: "LIST"
            case .migrate: "MIGRATE"
            case .premigrate: "PREMIGRATE"
            }
        }
    }

    private struct Candidate {
        let file: PolicyFile
        let weight: Double
        let show: String
    }

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [
            .value("-P"), .value("-I"), .value("-f"), .value("-L"), .value("-N"), .value("-g"), .value("-s"), .value("-m"),
            .value("-B"), .value("-a"), .value("-n"), .value("--scope"), .flag("--single-instance"),
        ])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard args.positionals.count == 1 else { throw SimError.usage("mmapplypolicy needs one PATH or Device") }
        guard let policyPath = args.value("-P") else { throw SimError.usage("mmapplypolicy needs -P POLICYFILE") }
        let mode = args.value("-I") ?? "yes"
        guard ["yes", "defer", "test"].contains(mode) else { throw SimError.usage("-I must be yes, defer or test, got '\(mode)'") }
        let prefix = args.value("-f")
        if mode == "defer" && prefix == nil { throw SimError.usage("-I defer needs -f PREFIX") }
        var verbosity = 1
        if let l = args.value("-L") {
            guard let n = Int(l), n >= 0 else { throw SimError.usage("-L needs a number, got '\(l)'") }
            verbosity = n
        }

        // PATH is a directory inside a filesystem, or a Device name.
        var locator = try SiteLocator()
        let target = args.positionals[0]
        let site: SiteConfig
        let fs: SiteConfig.Filesystem
        let scanRoot: String
        if !target.contains("/"), let s = try locator.site(for: locator.cwd), let f = s.filesystem(named: target) {
            site = s; fs = f; scanRoot = f.mount
        } else {
            let absolute = locator.absolute(target)
            guard let s = try locator.site(for: absolute) else { throw SimError.environment("no ngsim site found for \(target)") }
            guard let location = s.locate(absolute) else { throw SimError.environment("\(target) is not inside a filesystem of site \(s.name)") }
            guard Posix.isDirectory(absolute) else { throw SimError.failure("\(target) is not a directory") }
            site = s; fs = location.fs; scanRoot = absolute
        }

        let policyText: String
        do { policyText = try Posix.readTextFile(Paths.absolute(policyPath, cwd: locator.cwd)) } catch {
            throw SimError.usage("cannot read policy file: \(error.message)")
        }
        let rules: [PolicyRule]
        do { rules = try PolicyParser.parse(policyText) } catch { throw SimError.usage("\(policyPath): \(error.text)") }
        let pools = site.pools(of: fs.name)
        var externalLists: [String: PolicyRule] = [:]
        var externalPools: [String: PolicyRule] = [:]
        for rule in rules {
            switch rule.kind {
            case .externalList(let name, _, _, _): externalLists[name] = rule
            case .externalPool(let name, _, _, _):
                if pools.contains(where: { $0.name == name }) { throw SimError.usage("\(policyPath): policy line \(rule.line): '\(name)' is an internal pool") }
                externalPools[name] = rule
            default: break
            }
        }
        func checkName(_ name: String, _ rule: PolicyRule) throws(SimError) {
            if name.isEmpty || name.contains("/") { throw SimError.usage("\(policyPath): policy line \(rule.line): invalid list or pool name '\(name)'") }
        }
        func checkPool(_ name: String?, _ rule: PolicyRule, external: Bool) throws(SimError) {
            guard let name else { return }
            if pools.contains(where: { $0.name == name }) || (external && externalPools[name] != nil) { return }
            throw SimError.usage("\(policyPath): policy line \(rule.line): unknown pool '\(name)' (pools of \(fs.name): \(pools.map(\.name).joined(separator: ", ")))")
        }
        for rule in rules {
            switch rule.kind {
            case .list(let name, let from, _, _, _, _): try checkName(name, rule); try checkPool(from, rule, external: false)
            case .migrate(let m): try checkName(m.toPool, rule); try checkPool(m.fromPool, rule, external: false); try checkPool(m.toPool, rule, external: true)
            case .exclude(let from, _, _): try checkPool(from, rule, external: false)
            case .externalList(let name, _, _, _), .externalPool(let name, _, _, _): try checkName(name, rule)
            }
        }

        // Pool occupancy decides which THRESHOLD rules are active at all.
        let usage = PoolUsage.measure(fs, site: site)
        var projectedUsed: [String: Int64] = [:]
        var capacity: [String: Int64] = [:]
        for u in usage { projectedUsed[u.pool.name] = u.usedBytes; capacity[u.pool.name] = u.pool.capacity }
        func occupancy(_ pool: String) -> Double {
            guard let cap = capacity[pool], cap > 0 else { return 0 }
            return Double(projectedUsed[pool] ?? 0) * 100 / Double(cap)
        }
        var active = [Bool](repeating: true, count: rules.count)
        for (i, rule) in rules.enumerated() {
            if case .migrate(let m) = rule.kind, let from = m.fromPool, let threshold = m.threshold { active[i] = occupancy(from) >= threshold.high }
        }

        let now = Double(Posix.nowNs()) / 1e9
        var candidates = [[Candidate]](repeating: [], count: rules.count)
        var hits = [Int](repeating: 0, count: rules.count)
        var unmatched = 0
        var scanned = 0
        let filesets = site.filesets(of: fs.name)
        var evaluationError: PolicyError?
        let externalPoolNames = Set(externalPools.keys)
        TreeWalker.walk(root: scanRoot, skip: [site.stateDirectory]) { path, _, info in
            guard evaluationError == nil else { return false }
            scanned += 1
            let file = describe(path, info, pools: pools, fs: fs, site: site, filesets: filesets)
            do throws(PolicyError) {
                if let index = try firstMatch(rules, active: active, externalPools: externalPoolNames, file: file, now: now) {
                    hits[index] += 1
                    let evaluator = PolicyEvaluator(now: now, line: rules[index].line)
                    var weightAndShow: (PolicyExpr?, [PolicyExpr])?
                    switch rules[index].kind {
                    case .list(_, _, _, let show, let weight, _): weightAndShow = (weight, show)
                    case .migrate(let m): weightAndShow = (m.weight, m.show)
                    default: break
                    }
                    if let pair = weightAndShow {
                        let (weight, show) = pair
                        let w = try weight.map { (e: PolicyExpr) throws(PolicyError) -> Double in try evaluator.number(e, file) } ?? 0
                        var shown: [String] = []
                        for e in show { shown.append(evaluator.text(try evaluator.value(e, file))) }
                        candidates[index].append(Candidate(file: file, weight: w, show: shown.joined(separator: " ")))
                    }
                } else {
                    unmatched += 1
                }
            } catch {
                evaluationError = error
            }
            return true
        }
        if let evaluationError { throw SimError.failure("\(policyPath): \(evaluationError.text) (evaluating)") }

        // Choose: LIST rules take every match. A MIGRATE rule with THRESHOLD(high, low[, premigrate])
        // takes files in WEIGHT order (highest first) while the pool's projected occupancy is above `low`;
        // then, to an external pool, it pre-migrates further files while the occupancy (counting files
        // already premigrated as freeable) is above `premigrate`. LIMIT(n) on an internal destination skips
        // files that would take that pool over n% and goes on with smaller ones (a best fit).
        var chosen = [[Candidate]](repeating: [], count: rules.count)
        var premigrating = [[Candidate]](repeating: [], count: rules.count)
        for (i, rule) in rules.enumerated() {
            let ordered = candidates[i].sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.file.path.utf8.lexicographicallyPrecedes($1.file.path.utf8) }
            guard case .migrate(let m) = rule.kind else {
                chosen[i] = ordered
                continue
            }
            let toExternal = externalPools[m.toPool] != nil
            var premigratePhase = false
            for c in ordered {
                let pool = m.fromPool ?? c.file.pool
                let bytes = c.file.kbAllocated * 1024
                if let threshold = m.threshold, let cap = capacity[pool] {
                    let used = Double(projectedUsed[pool] ?? 0)
                    if !premigratePhase && used <= threshold.low * Double(cap) / 100 {
                        guard toExternal, threshold.premigrate != nil else { break }
                        premigratePhase = true
                    }
                    if premigratePhase, let mark = threshold.premigrate {
                        if used <= mark * Double(cap) / 100 { break }
                        projectedUsed[pool, default: 0] -= bytes
                        if !c.file.misc.contains("P") { premigrating[i].append(c) }
                        continue
                    }
                }
                if !toExternal, let limit = m.limit, let cap = capacity[m.toPool],
                   Double((projectedUsed[m.toPool] ?? 0) + bytes) > limit * Double(cap) / 100 { continue }
                chosen[i].append(c)
                projectedUsed[c.file.pool, default: 0] -= bytes
                if !toExternal { projectedUsed[m.toPool, default: 0] += bytes }
            }
        }

        // Group into output lists: LIST rules by list name, MIGRATE rules by destination pool, and the
        // files to pre-migrate separately (PREFIX.premigrate.<pool>).
        var outputs: [(name: String, kind: OutputKind, lines: [Candidate])] = []
        func add(_ name: String, _ kind: OutputKind, _ items: [Candidate]) {
            if let k = outputs.firstIndex(where: { $0.name == name && $0.kind == kind }) { outputs[k].lines += items }
            else { outputs.append((name, kind, items)) }
        }
        var internalMoves: [(PolicyFile, String)] = []
        for (i, rule) in rules.enumerated() {
            switch rule.kind {
            case .list(let name, _, _, _, _, _): add(name, .list, chosen[i])
            case .migrate(let m):
                if externalPools[m.toPool] != nil {
                    add(m.toPool, .migrate, chosen[i])
                    if m.threshold?.premigrate != nil { add(m.toPool, .premigrate, premigrating[i]) }
                } else {
                    internalMoves += chosen[i].map { ($0.file, m.toPool) }
                }
            default: break
            }
        }

        var report = "[I] ngsim mmapplypolicy: \(scanned) objects scanned under \(scanRoot); policy \(policyPath) with \(rules.count) rules\n"
        report += "[I] Pool utilisation (bytes used / capacity):\n"
        for u in usage {
            report += "    \(u.pool.name.padded(16)) \(String(u.usedBytes).leftPadded(16)) / \(String(u.pool.capacity).leftPadded(16))  \(String(format2(Double(u.usedBytes) * 100 / Double(max(1, u.pool.capacity)))))%\n"
        }
        report += "[I] Summary of Rule Applicability and File Choices:\n"
        report += " Rule#  Hit_Cnt     KB_Hit   Chosen  KB_Chosen  Rule\n"
        for (i, rule) in rules.enumerated() {
            let kbHit = candidates[i].reduce(Int64(0)) { $0 + $1.file.kbAllocated }
            let kbChosen = chosen[i].reduce(Int64(0)) { $0 + $1.file.kbAllocated }
            var note = active[i] ? "" : " (threshold not reached)"
            if !premigrating[i].isEmpty { note += " (+\(premigrating[i].count) to premigrate)" }
            report += String(i).leftPadded(6) + String(hits[i]).leftPadded(9) + String(kbHit).leftPadded(11) + String(chosen[i].count).leftPadded(9)
                + String(kbChosen).leftPadded(11) + "  " + rule.label + note + "\n"
        }
        report += "[I] Filesystem objects with no applicable rules: \(unmatched).\n"
        if verbosity >= 2 {
            for (i, rule) in rules.enumerated() {
                for c in chosen[i] { report += "[I] chosen by '\(rule.name)' WEIGHT(\(format2(c.weight))): \(c.file.path)\n" }
                for c in premigrating[i] { report += "[I] premigrate by '\(rule.name)' WEIGHT(\(format2(c.weight))): \(c.file.path)\n" }
            }
        }

        if mode == "test" {
            Output.stdout(report + "[I] -I test: no lists written, nothing executed.\n")
            return ExitCode.ok
        }

        let effectivePrefix = prefix.map { Paths.absolute($0, cwd: locator.cwd) } ?? "/tmp/ngsim-policy.\(getpid())"
        var written: [(String, String, Int, PolicyRule?, OutputKind)] = []
        for output in outputs {
            let rule = output.kind == .list ? externalLists[output.name] : externalPools[output.name]
            var escape: String?
            if let rule {
                switch rule.kind {
                case .externalList(_, _, _, let e), .externalPool(_, _, _, let e): escape = e
                default: break
                }
            }
            var text = ""
            for c in output.lines {
                text += "\(c.file.inode) \(c.file.generation) 0  \(encode(c.show, escape)) -- \(encode(c.file.path, escape))\n"
            }
            let file = "\(effectivePrefix).\(output.kind == .premigrate ? "premigrate" : "list").\(output.name)"
            do { try Posix.writeTextFileAtomically(file, text) } catch { throw SimError.failure("cannot write \(file): \(error.message)") }
            written.append((output.name, file, output.lines.count, rule, output.kind))
            report += "[I] \(output.kind.label) '\(output.name)': \(output.lines.count) entries in \(file)\n"
        }

        Output.stdout(report)
        report = ""
        var status = ExitCode.ok
        if mode == "yes" {
            for (name, file, count, rule, kind) in written where count > 0 {
                guard let rule else { continue }
                var exec = "", opts: String?
                let op = kind.operation
                switch rule.kind {
                case .externalList(_, let e, let o, _), .externalPool(_, let e, let o, _): exec = e; opts = o
                default: break
                }
                guard !exec.isEmpty else { continue }
                let code = spawnAndWait([exec, op, file] + (opts.map { [$0] } ?? []))
                Output.stdout("[I] EXEC \(exec) \(op) for '\(name)' exited with \(code)\n")
                if code != 0 { status = ExitCode.fileErrors }
            }
            if prefix == nil { for (_, file, _, _, _) in written { unlink(file) } }
        }
        // GPFS's -I defer defers only the data movement between internal pools (to the next restripe):
        // the files are assigned to their new pool all the same. The sandbox has no data placement apart
        // from that assignment, so both modes set it.
        for (file, pool) in internalMoves {
            let fd = Posix.openFile(file.path, O_RDONLY | O_NOFOLLOW)
            guard fd >= 0 else { status = ExitCode.fileErrors; continue }
            do throws(FileError) { try Xattr.set(fd: fd, HSMXattr.pool, pool) } catch { status = ExitCode.fileErrors }
            close(fd)
        }
        if !internalMoves.isEmpty {
            report += "[I] \(internalMoves.count) files \(mode == "yes" ? "moved between internal pools" : "assigned to other internal pools (data movement deferred)")\n"
        }
        Output.stdout(report)
        if status != ExitCode.ok { Output.stderr("mmapplypolicy: an EXEC program failed or a file could not be moved\n") }
        return status
    }

    private static func format2(_ x: Double) -> String {
        guard x.isFinite, abs(x) < 1e15 else { return String(x) }
        let scaled = (x * 100).rounded()
        let whole = Int64(scaled / 100)
        var frac = String(Int64(abs(scaled)) % 100)
        if frac.count < 2 { frac = "0" + frac }
        return "\(whole).\(frac)"
    }

    /// The first rule that applies to the file (EXCLUDE stops the search), or nil.
    private static func firstMatch(_ rules: [PolicyRule], active: [Bool], externalPools: Set<String>, file: PolicyFile, now: Double) throws(PolicyError) -> Int? {
        for (i, rule) in rules.enumerated() where active[i] {
            let evaluator = PolicyEvaluator(now: now, line: rule.line)
            switch rule.kind {
            case .externalList, .externalPool:
                continue
            case .list(_, let from, let dirs, _, _, let condition):
                if file.isDirectory && !dirs { continue }
                if let from, from != file.pool { continue }
                if try condition.map({ (c: PolicyExpr) throws(PolicyError) -> Bool in try evaluator.truth(c, file) }) ?? true { return i }
            case .migrate(let m):
                if file.isDirectory || file.misc.hasPrefix("L") { continue }
                if let from = m.fromPool, from != file.pool { continue }
                // Like GPFS with an HSM: a file already migrated is not a candidate to migrate again, and a
                // file already in the destination pool has nowhere to go.
                if externalPools.contains(m.toPool) ? file.misc.contains("M") : file.pool == m.toPool { continue }
                let condition = m.condition
                if try condition.map({ (c: PolicyExpr) throws(PolicyError) -> Bool in try evaluator.truth(c, file) }) ?? true { return i }
            case .exclude(let from, let dirs, let condition):
                if file.isDirectory && !dirs { continue }
                if let from, from != file.pool { continue }
                if try condition.map({ (c: PolicyExpr) throws(PolicyError) -> Bool in try evaluator.truth(c, file) }) ?? true { return i }
            }
        }
        return nil
    }

    private static func describe(_ path: String, _ info: FileInfo, pools: [SiteConfig.Pool], fs: SiteConfig.Filesystem,
                                 site: SiteConfig, filesets: [SiteConfig.Fileset]) -> PolicyFile {
        var misc = info.isDirectory ? "D" : info.isSymlink ? "L" : "F"
        if info.isRegular, let record = try? HSMRecord.read(path: path) {
            misc += record.state == .migrated ? "M" : "P"
        }
        let fileset = filesets.filter { Paths.relative(path, to: $0.junction) != nil }.max { $0.junction.count < $1.junction.count }
        return PolicyFile(
            path: path, name: Paths.basename(path), size: info.size, kbAllocated: info.allocatedBytes / 1024,
            mtime: Double(info.mtimeNs) / 1e9, atime: Double(info.atimeNs) / 1e9, ctime: Double(info.ctimeNs) / 1e9,
            misc: misc, pool: info.isRegular ? (PoolUsage.poolName(of: path, pools: pools) ?? "") : (pools.first?.name ?? ""),
            fileset: fileset?.name ?? "root", uid: info.uid, gid: info.gid, mode: info.permissions, fileType: info.fileType,
            inode: info.inode, generation: Posix.generation(of: path, info: info), nlink: info.nlink, isDirectory: info.isDirectory
        )
    }

    /// Without ESCAPE: `\` and newline become `\\` and `\n` so that a line stays a line. With ESCAPE '%X':
    /// RFC 3986 percent-encoding of everything but unreserved characters and the characters X.
    private static func encode(_ text: String, _ escape: String?) -> String {
        guard let escape else {
            guard text.contains(where: { $0 == "\\" || $0 == "\n" }) else { return text }
            return text.replacingAll("\\", "\\\\").replacingAll("\n", "\\n")
        }
        let keep = Set(escape.dropFirst().utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in text.utf8 {
            let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
            if unreserved || keep.contains(b) { out.append(b) } else { out += [0x25, hex[Int(b >> 4)], hex[Int(b & 15)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs a program (no shell) and returns its exit status (127 if it could not start, 128+n on signal n).
    private static func spawnAndWait(_ argv: [String]) -> Int32 {
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], nil, nil, cArgs, environ)
        guard rc == 0 else {
            Output.stderr("mmapplypolicy: cannot run \(argv[0]): \(errnoText(rc))\n")
            return 127
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 127 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

extension String {
    func replacingAll(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
