import Foundation
import Shared
import Testing

@testable import Worker

/// dynamo.tasks.site_inventory against ngsim: two filesystems, three pools, filesets, one server.
@Suite struct SiteInventoryTaskTests {
    /// A sandbox with `mmfs1` (pools fast 1G, slow 10G; filesets projects, scratch (dependent), archive
    /// (unlinked)) and `fs2` (pool system 2G).
    static func site() async throws -> ToolSandbox {
        let sandbox = try await ToolSandbox()
        let config = """
            [site]
            name = s1

            [filesystem mmfs1]
            mount = mmfs1

            [filesystem fs2]
            mount = fs2

            [fileset projects]
            filesystem = mmfs1

            [fileset scratch]
            filesystem = mmfs1
            junction = projects/scratch
            independent = no

            [fileset archive]
            filesystem = mmfs1

            [pool fast]
            filesystem = mmfs1
            capacity = 1G

            [pool slow]
            filesystem = mmfs1
            capacity = 10G

            [pool system]
            filesystem = fs2
            capacity = 2G

            [target cloud]
            directory = \(sandbox.target)

            """
        try config.write(toFile: sandbox.site + "/ngsim-site.conf", atomically: true, encoding: .utf8)
        for directory in [sandbox.mount + "/projects/scratch", sandbox.site + "/fs2"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        return sandbox
    }

    static func collect(_ settings: ToolSettings, _ kwargs: [String: JSONValue] = [:]) async throws -> SiteInventory {
        try await SiteInventoryTask(runner: ToolRunner(settings: settings)).collect(TaskArguments(kwargs))
    }

    /// A stand-in for `tool` that runs `special` when its first argument is `device`, else the real tool.
    static func wrapper(_ sandbox: ToolSandbox, _ tool: String, device: String, special: String) throws -> String {
        let path = sandbox.root + "/wrapped-" + tool
        let script = "#!/bin/sh\nif [ \"$1\" = \"\(device)\" ]; then \(special); fi\nexec \"\(sandbox.bin)/\(tool)\" \"$@\"\n"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    /// setxattr(2), which the Glibc module does not import: looked up at run time.
    static func setXattr(_ path: String, _ name: String, _ value: String) throws {
        typealias SetXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer, Int, Int32) -> Int32
        let set = try #require(dlsym(nil, "setxattr").map { unsafeBitCast($0, to: SetXattr.self) })
        let bytes = Array(value.utf8)
        #expect(set(path, name, bytes, bytes.count, 0) == 0, "setxattr \(name): errno \(errno)")
    }

    @Test func listsFilesystemsFilesetsPoolsAndServers() async throws {
        let sandbox = try await Self.site()
        defer { sandbox.remove() }
        let inventory = try await Self.collect(sandbox.settings)
        #expect(inventory.errors.isEmpty, "\(inventory.errors)")

        #expect(inventory.filesystems.map(\.name) == ["mmfs1", "fs2"])
        let mmfs1 = try #require(inventory.filesystems.first)
        #expect(mmfs1.mountpoint == sandbox.mount)
        #expect(mmfs1.blockSize == 4 << 20)
        #expect(mmfs1.poolNames == ["fast", "slow"])
        #expect(mmfs1.capacity == 11 << 30)
        #expect(inventory.filesystems.last?.mountpoint == sandbox.site + "/fs2")

        let filesets = Dictionary(uniqueKeysWithValues: inventory.filesets.map { ("\($0.filesystem)/\($0.name)", $0) })
        #expect(Set(filesets.keys) == ["mmfs1/root", "mmfs1/projects", "mmfs1/scratch", "mmfs1/archive", "fs2/root"])
        #expect(filesets["mmfs1/root"]?.path == sandbox.mount && filesets["mmfs1/root"]?.id == 0)
        #expect(filesets["mmfs1/projects"]?.path == sandbox.mount + "/projects")
        #expect(filesets["mmfs1/projects"]?.status == "Linked" && filesets["mmfs1/projects"]?.independent == true)
        #expect(filesets["mmfs1/scratch"]?.independent == false)
        #expect(filesets["mmfs1/scratch"]?.parentID == filesets["mmfs1/projects"]?.id)
        #expect(filesets["mmfs1/archive"]?.status == "Unlinked")

        let pools = inventory.storagePools.map { "\($0.filesystem)/\($0.name)/\($0.capacity)/\($0.isDefault)" }
        #expect(pools == ["mmfs1/fast/\(1 << 30)/true", "mmfs1/slow/\(10 << 30)/false", "fs2/system/\(2 << 30)/true"])
        for pool in inventory.storagePools {
            #expect(pool.capacity == pool.usedSpace + pool.freeSpace)
            #expect(pool.holdsData == true)
        }

        #expect(inventory.cluster?.name == "s1")
        let server = try #require(inventory.servers.first)
        #expect(inventory.servers.count == 1)
        #expect(server.name == WorkerConfiguration.hostName())
        #expect(server.designation == "quorumManager" && server.ipAddress == "127.0.0.1")
        // The sandbox node is this machine: its interfaces are known (at least loopback).
        #expect(server.interfaces?.contains("lo") == true)
    }

    @Test func followsTheSandboxWhenItChanges() async throws {
        let sandbox = try await Self.site()
        defer { sandbox.remove() }
        let before = try await Self.collect(sandbox.settings)
        let fastBefore = try #require(before.storagePools.first { $0.name == "fast" })
        let slowBefore = try #require(before.storagePools.first { $0.name == "slow" })

        // A new fileset, and 2 MiB of data in each mmfs1 pool (the file's pool xattr picks the pool).
        try "\n[fileset newset]\nfilesystem = mmfs1\n".appendLine(toFile: sandbox.site + "/ngsim-site.conf")
        try FileManager.default.createDirectory(atPath: sandbox.mount + "/newset", withIntermediateDirectories: true)
        let chunk = String(repeating: "x", count: 2 << 20)
        try sandbox.write("newset/in-fast.bin", chunk)
        let slowFile = try sandbox.write("projects/in-slow.bin", chunk)
        try Self.setXattr(slowFile, "user.ngenea.pool", "slow")

        let after = try await Self.collect(sandbox.settings)
        #expect(after.filesets.contains { $0.name == "newset" && $0.path == sandbox.mount + "/newset" && $0.status == "Linked" })
        #expect(!before.filesets.contains { $0.name == "newset" })
        let fastAfter = try #require(after.storagePools.first { $0.name == "fast" })
        let slowAfter = try #require(after.storagePools.first { $0.name == "slow" })
        #expect(fastAfter.usedSpace >= fastBefore.usedSpace + (2 << 20))
        #expect(slowAfter.usedSpace >= slowBefore.usedSpace + (2 << 20))
        #expect(fastAfter.utilisation > fastBefore.utilisation && fastAfter.utilisation >= 0.19)
        #expect(fastAfter.freeSpace == fastAfter.capacity - fastAfter.usedSpace)
        let mmfs1 = try #require(after.filesystems.first { $0.name == "mmfs1" })
        #expect(mmfs1.usedSpace == fastAfter.usedSpace + slowAfter.usedSpace)
    }

    @Test func aBrokenListingCostsOnlyItsOwnPart() async throws {
        let sandbox = try await Self.site()
        defer { sandbox.remove() }
        var settings = sandbox.settings
        settings.commands["mmdf"] = try Self.wrapper(sandbox, "mmdf", device: "fs2", special: "echo 'mmdf: disk nsd9 is down' >&2; exit 1")
        // A hung listing is killed at the timeout and reported like any other failure.
        settings.commands["mmlsfileset"] = try Self.wrapper(sandbox, "mmlsfileset", device: "fs2", special: "exec sleep 30")
        // The kill is proven by the outcome ("timed out" below), not by the clock: wall-clock bounds belong
        // in benchmarks, and a loaded CI machine stretches them.
        let inventory = try await Self.collect(settings, ["tool_timeout": 1])

        #expect(inventory.errors.count == 2, "\(inventory.errors)")
        let mmdf = try #require(inventory.errors.first { $0.command == "mmdf fs2 -Y" })
        #expect(mmdf.scope == .storagePools && mmdf.filesystem == "fs2")
        #expect(mmdf.message.contains("status 1") && mmdf.message.contains("nsd9 is down"))
        let hung = try #require(inventory.errors.first { $0.command == "mmlsfileset fs2 -Y" })
        #expect(hung.scope == .filesets && hung.message.contains("timed out"))

        // Everything else arrived.
        #expect(inventory.filesystems.map(\.name) == ["mmfs1", "fs2"])
        #expect(inventory.filesystems.last?.capacity == nil)
        #expect(inventory.storagePools.map(\.name) == ["fast", "slow"])
        #expect(inventory.filesets.count == 4 && inventory.filesets.allSatisfy { $0.filesystem == "mmfs1" })
        #expect(inventory.servers.count == 1)
    }

    @Test func failsOnlyWhenNothingCanBeRead() async throws {
        let sandbox = try await Self.site()
        defer { sandbox.remove() }
        var settings = sandbox.settings
        settings.commands["mmlsfs"] = "/bin/false"
        let partial = try await Self.collect(settings)
        #expect(partial.filesystems.isEmpty && partial.servers.count == 1)
        #expect(partial.errors.map(\.scope) == [.filesystems])

        settings.commands["mmlscluster"] = "/bin/false"
        await #expect { try await Self.collect(settings) } throws: { error in
            "\(error)".contains("no listing worked") && "\(error)".contains("mmlscluster -Y")
        }
        await #expect { try await Self.collect(sandbox.settings, ["tool_timeout": "soon"]) } throws: { "\($0)".contains("'tool_timeout'") }
    }

    @Test func filtersFilesystemsByName() async throws {
        let sandbox = try await Self.site()
        defer { sandbox.remove() }
        let inventory = try await Self.collect(sandbox.settings, ["filesystems": ["fs2", "nope"]])
        #expect(inventory.filesystems.map(\.name) == ["fs2"])
        #expect(inventory.storagePools.map(\.name) == ["system"])
        #expect(inventory.errors.map(\.filesystem) == ["nope"])
    }

    @Test func isABuiltInTaskOfTheSettingsQueue() async throws {
        let sandbox = try await Self.site()
        defer { sandbox.remove() }
        let outcome = try await sandbox.run(SiteInventoryTask.name, paths: [], function: .settings)
        #expect(outcome.logs.first == "inventory: 2 filesystems, 5 filesets, 3 storage pools, 1 servers")
        #expect(outcome.passedOn.isEmpty)
        // The outcome carries it; TaskRunner copies it into the result's `inventory`.
        #expect(outcome.inventory?.storagePools.count == 3 && outcome.inventory?.errors.isEmpty == true)
    }

    /// Real GPFS output: KB-only mmdf with fragments, an unlinked fileset (`--`), node roles.
    @Test func readsRealGPFSListings() {
        let mmdf = """
            mmdf:nsd:HEADER:version:reserved:reserved:nsdName:storagePool:diskSize:failureGroup:metadata:data:freeBlocks:freeBlocksPct:freeFragments:freeFragmentsPct:diskAvailableForAlloc:
            mmdf:nsd:0:1:::nsd1:system:1048576:1:Yes:No:900000:86:100:0:up:
            mmdf:nsd:0:1:::nsd2:sas1:1048576:1:No:Yes:500000:48:24:0:up:
            mmdf:poolTotal:HEADER:version:reserved:reserved:poolName:poolSize:freeBlocks:freeBlocksPct:freeFragments:freeFragmentsPct:maxDiskSize:
            mmdf:poolTotal:0:1:::system:1048576:900000:86:100:0:1048576:
            mmdf:poolTotal:0:1:::sas1:1048576:500000:48:24:0:1048576:
            """
        let pools = InventoryListing.pools(mmdf, filesystem: "gpfs1", order: ["system", "sas1"])
        #expect(pools.map(\.name) == ["system", "sas1"])
        #expect(pools[0].isDefault && !pools[1].isDefault)
        #expect(pools[1].capacity == 1_048_576 * 1024 && pools[1].freeSpace == 500_024 * 1024)
        #expect(pools[0].holdsMetadata == true && pools[0].holdsData == false)

        let filesets = InventoryListing.filesets(
            """
            mmlsfileset::HEADER:version:reserved:reserved:filesystemName:filesetName:id:rootInode:status:path:parentId:created:inodes:dataInKB:comment:filesetMode:afmTarget:afmState:afmMode:afmFileLookupRefreshInterval:afmFileOpenRefreshInterval:afmDirLookupRefreshInterval:afmDirOpenRefreshInterval:afmAsyncDelay:afmNeedsRecovery:afmExpirationTimeout:afmRPO:afmLastPSnapId:inodeSpace:isInodeSpaceOwner:maxInodes:allocInodes:inodeSpaceMask:afmShowHomeSnapshots:afmNumReadThreads:reserved:afmReadBufferSize:afmWriteBufferSize:afmReadSparseThreshold:afmParallelReadChunkSize:afmParallelReadThreshold:snapId:afmNumFlushThreads:afmPrefetchThreshold:afmEnableAutoEviction:permChangeFlag:afmParallelWriteThreshold:freeInodes:afmNeedsResync:afmParallelWriteChunkSize:afmNumWriteThreads:afmPrimaryID:afmDRState:afmAssociatedPrimaryID:afmDIO:afmGatewayNode:afmIOFlags:afmVerbs:afmReadFastCutover:
            mmlsfileset::0:1:::gpfs1:old%3Adata:2:-:Unlinked:--:--:Mon Nov 22 13%3A39%3A00 2025:0:0:retired:off:-:-:-:-:-:-:-:-:-:-:-:-:1:1:100000:100000:0:-:-::-:-:-:-:-:0:-:-:-:chmodAndSetacl:-:0:-:-:-:-:-:-:-:-:-:-:-:
            """, filesystem: "gpfs1")
        #expect(filesets.count == 1)
        #expect(filesets.first?.name == "old:data" && filesets.first?.path == nil && filesets.first?.status == "Unlinked")
        #expect(filesets.first?.independent == true && filesets.first?.comment == "retired" && filesets.first?.parentID == nil)

        let local = LocalHost(hostName: "node2", interfaces: ["eth0", "ib0"], addresses: ["10.1.0.2"])
        let (cluster, servers) = InventoryListing.cluster(
            """
            mmlscluster:clusterSummary:HEADER:version:reserved:reserved:clusterName:clusterId:uidDomain:rshPath:rshSudoWrapper:rcpPath:rcpSudoWrapper:repositoryType:primaryServer:secondaryServer:
            mmlscluster:clusterSummary:0:1:::pixstor.siteA:1768299416464829:pixstor.siteA:/usr/bin/ssh:no:/usr/bin/scp:no:CCR:::
            mmlscluster:clusterNode:HEADER:version:reserved:reserved:nodeNumber:daemonNodeName:ipAddress:adminNodeName:designation:otherNodeRoles:adminLoginName:otherNodeRolesAlias:
            mmlscluster:clusterNode:0:1:::1:siteA-1.pixstor:10.1.0.1:siteA-1.pixstor:quorumManager:perfmon:root:perfmonNode:
            mmlscluster:clusterNode:0:1:::2:node2.pixstor:10.1.0.2:node2.pixstor::ces,perfmon:root:cesNode,perfmonNode:
            """, local: local)
        #expect(cluster == SiteInventory.Cluster(name: "pixstor.siteA", id: "1768299416464829"))
        #expect(servers.map(\.name) == ["siteA-1.pixstor", "node2.pixstor"])
        #expect(servers[1].roles == ["cesNode", "perfmonNode"] && servers[1].designation == "")
        #expect(servers[0].interfaces == nil && servers[1].interfaces == ["eth0", "ib0"])
    }
}

extension String {
    /// Appends this text to a file.
    fileprivate func appendLine(toFile path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(utf8))
    }
}
