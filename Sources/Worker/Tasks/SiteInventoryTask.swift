import Foundation
import Shared

/// `dynamo.tasks.site_inventory`: what the site has, for the hub's `/api/filesystems/`, `/api/filesets/`,
/// `/api/storagepools/` and `/api/servers/` (docs/tasks.md). Meant for the `<site>.default#settings` queue.
///
/// Runs `mmlsfs all -Y`, then per filesystem `mmlsfileset <fs> -Y` and `mmdf <fs> -Y`, then
/// `mmlscluster -Y`: argv only, each run bounded by `tool_timeout`. A listing that fails costs only its own
/// part (recorded in `inventory.errors`); the task fails only when nothing at all could be read.
///
/// kwargs: `filesystems` (list of names: only these; default all), `tool_timeout` (seconds per tool run,
/// 1...3600, default 120).
struct SiteInventoryTask: WorkerTask {
    static let name = "dynamo.tasks.site_inventory"
    static let defaultTimeout = 120
    let runner: ToolRunner

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let inventory = try await collect(TaskArguments(envelope.kwargs), collected: started)
        let status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        var logs = [
            "inventory: \(inventory.filesystems.count) filesystems, \(inventory.filesets.count) filesets, "
                + "\(inventory.storagePools.count) storage pools, \(inventory.servers.count) servers"
        ]
        logs += inventory.errors.map { "\($0.command): \($0.message)" }
        return TaskOutcome(status: status, logs: logs, inventory: inventory)
    }

    /// Lists everything it can.
    /// - Throws: `TaskFailure` for bad kwargs or when no listing worked; `CancellationError` on shutdown.
    func collect(_ arguments: TaskArguments, collected: Date = Date()) async throws -> SiteInventory {
        let wanted = try arguments.stringList("filesystems").map(Set.init)
        var tools = runner
        tools.settings.timeout = .seconds(try arguments.int("tool_timeout", range: 1...3600) ?? Self.defaultTimeout)
        var inventory = SiteInventory(collected: collected)
        var anythingRead = false

        /// One listing: its stdout, or nil with the failure recorded.
        func list(_ tool: String, _ arguments: [String], _ scope: SiteInventory.InventoryError.Scope, filesystem: String? = nil)
            async throws -> String?
        {
            let command = ([tool] + arguments).joined(separator: " ")
            let message: String
            do {
                let result = try await tools.runCommand(tool: tool, arguments: arguments, maxOutputBytes: 64 << 20)
                if result.status == 0 {
                    anythingRead = true
                    return result.text
                }
                let stderr = ToolRunner.quote(result.stderr, truncated: false)
                message = "exited with status \(result.status)\(stderr.map { ": \($0)" } ?? "")"
            } catch let failure as TaskFailure {
                // A killed run during shutdown is not a listing error: the task is delivered again.
                try Task.checkCancellation()
                message = failure.description
            }
            inventory.errors.append(.init(scope: scope, filesystem: filesystem, command: command, message: message))
            return nil
        }

        if let text = try await list("mmlsfs", ["all", "-Y"], .filesystems) {
            var filesystems = InventoryListing.filesystems(text)
            if let wanted {
                for name in wanted.sorted() where !filesystems.contains(where: { $0.name == name }) {
                    inventory.errors.append(
                        .init(scope: .filesystems, filesystem: name, command: "mmlsfs all -Y", message: "no filesystem \(name) on this site"))
                }
                filesystems.removeAll { !wanted.contains($0.name) }
            }
            for var filesystem in filesystems {
                if let text = try await list("mmlsfileset", [filesystem.name, "-Y"], .filesets, filesystem: filesystem.name) {
                    inventory.filesets += InventoryListing.filesets(text, filesystem: filesystem.name)
                }
                if let text = try await list("mmdf", [filesystem.name, "-Y"], .storagePools, filesystem: filesystem.name) {
                    let pools = InventoryListing.pools(text, filesystem: filesystem.name, order: filesystem.poolNames)
                    inventory.storagePools += pools
                    if filesystem.poolNames.isEmpty { filesystem.poolNames = pools.map(\.name) }
                    filesystem = SiteInventory.Filesystem(
                        name: filesystem.name, mountpoint: filesystem.mountpoint, blockSize: filesystem.blockSize,
                        poolNames: filesystem.poolNames, capacity: pools.reduce(0) { $0 + $1.capacity },
                        usedSpace: pools.reduce(0) { $0 + $1.usedSpace }, freeSpace: pools.reduce(0) { $0 + $1.freeSpace })
                }
                inventory.filesystems.append(filesystem)
            }
        }
        if let text = try await list("mmlscluster", ["-Y"], .servers) {
            (inventory.cluster, inventory.servers) = InventoryListing.cluster(text, local: LocalHost.current())
        }
        guard anythingRead else {
            let reasons = inventory.errors.map { "\($0.command): \($0.message)" }.joined(separator: "; ")
            throw TaskFailure("site inventory: no listing worked: \(reasons)")
        }
        return inventory
    }
}

/// Reads the `-Y` listings into inventory values. Pure, so tests can feed it real GPFS output.
enum InventoryListing {
    /// `mmlsfs all -Y`: one row per attribute; the filesystems in listing order.
    static func filesystems(_ text: String) -> [SiteInventory.Filesystem] {
        var order: [String] = []
        var attributes: [String: [String: String]] = [:]
        for record in GPFSListing(text).records() {
            guard let device = record["deviceName"], let field = record["fieldName"] else { continue }
            let name = device.hasPrefix("/dev/") ? String(device.dropFirst(5)) : device
            if attributes[name] == nil { order.append(name) }
            attributes[name, default: [:]][field] = record["data"] ?? ""
        }
        return order.map { name in
            let values = attributes[name] ?? [:]
            let pools = (values["storagePools"] ?? "").split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) }
            return SiteInventory.Filesystem(
                name: name, mountpoint: values["defaultMountPoint"] ?? "", blockSize: values["blockSize"].flatMap { Int64($0) },
                poolNames: pools.filter { !$0.isEmpty })
        }
    }

    /// `mmlsfileset <fs> -Y`.
    static func filesets(_ text: String, filesystem: String) -> [SiteInventory.Fileset] {
        GPFSListing(text).records().compactMap { record in
            guard let name = record["filesetName"], !name.isEmpty else { return nil }
            let path = record["path"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            let comment = record["comment"].flatMap { $0.isEmpty ? nil : $0 }
            return SiteInventory.Fileset(
                name: name, filesystem: record["filesystemName"] ?? filesystem, id: record["id"].flatMap { Int($0) }, path: path,
                status: record["status"] ?? (path == nil ? "Unlinked" : "Linked"),
                independent: record["type"].map { $0 != "dependent" } ?? (record["isInodeSpaceOwner"] != "0"),
                inodeSpace: record["inodeSpace"].flatMap { Int($0) }, parentID: record["parentId"].flatMap { Int($0) },
                maxInodes: record["maxInodes"].flatMap { Int64($0) }, allocatedInodes: record["allocInodes"].flatMap { Int64($0) },
                comment: comment)
        }
    }

    /// `mmdf <fs> -Y`: `poolTotal` rows give the space (ngsim's exact `totalBytes`/`freeBytes` when present,
    /// else mmdf's KB: free = full blocks + fragments); `nsd` rows say whether a pool holds data/metadata.
    /// The default pool is the first of `order` (mmlsfs -P), else the first listed.
    static func pools(_ text: String, filesystem: String, order: [String]) -> [SiteInventory.StoragePool] {
        let listing = GPFSListing(text)
        var holds: [String: (data: Bool, metadata: Bool)] = [:]
        for disk in listing.records("nsd") {
            guard let pool = disk["storagePool"] else { continue }
            let current = holds[pool] ?? (false, false)
            holds[pool] = (current.data || disk["data"]?.lowercased() == "yes", current.metadata || disk["metadata"]?.lowercased() == "yes")
        }
        let totals = listing.records("poolTotal")
        let defaultPool = order.first ?? totals.first?["poolName"]
        return totals.compactMap { row in
            guard let name = row["poolName"] else { return nil }
            let kb = { (field: String) in row[field].flatMap { Int64($0) }.map { $0 * 1024 } }
            guard let capacity = row["totalBytes"].flatMap({ Int64($0) }) ?? kb("poolSize") else { return nil }
            let free = row["freeBytes"].flatMap { Int64($0) } ?? ((kb("freeBlocks") ?? 0) + (kb("freeFragments") ?? 0))
            return SiteInventory.StoragePool(
                name: name, filesystem: filesystem, capacity: capacity, freeSpace: free, isDefault: name == defaultPool,
                holdsData: holds[name]?.data, holdsMetadata: holds[name]?.metadata)
        }
    }

    /// `mmlscluster -Y`: the cluster and its nodes; the node that is `local` gets its interface names.
    static func cluster(_ text: String, local: LocalHost) -> (SiteInventory.Cluster?, [SiteInventory.Server]) {
        let listing = GPFSListing(text)
        let cluster = listing.records("clusterSummary").first.flatMap { row in
            row["clusterName"].map { SiteInventory.Cluster(name: $0, id: row["clusterId"]) }
        }
        let servers = listing.records("clusterNode").compactMap { row -> SiteInventory.Server? in
            guard let name = row["daemonNodeName"] ?? row["adminNodeName"], !name.isEmpty else { return nil }
            let roles = (row["otherNodeRolesAlias"] ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
            let isLocal = local.isNamed(name) || row["adminNodeName"].map(local.isNamed) == true
                || row["ipAddress"].map(local.addresses.contains) == true
            return SiteInventory.Server(
                name: name, nodeNumber: row["nodeNumber"].flatMap { Int($0) }, adminName: row["adminNodeName"],
                ipAddress: row["ipAddress"], designation: row["designation"], roles: roles,
                interfaces: isLocal ? local.interfaces : nil)
        }
        return (cluster, servers)
    }
}

/// This machine's host name, network interfaces and addresses (getifaddrs), to tell which cluster node
/// ran the task.
struct LocalHost: Sendable {
    var hostName: String
    var interfaces: [String]
    var addresses: Set<String>

    func isNamed(_ name: String) -> Bool {
        let short = { (text: String) in text.split(separator: ".").first.map(String.init) ?? text }
        return name == hostName || short(name) == short(hostName)
    }

    static func current() -> LocalHost {
        var host = LocalHost(hostName: WorkerConfiguration.hostName(), interfaces: [], addresses: [])
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return host }
        defer { freeifaddrs(list) }
        var entry: UnsafeMutablePointer<ifaddrs>? = first
        while let current = entry?.pointee {
            entry = current.ifa_next
            let name = String(cString: current.ifa_name)
            if !host.interfaces.contains(name) { host.interfaces.append(name) }
            guard let address = current.ifa_addr else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                host.addresses.insert(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return host
    }
}
