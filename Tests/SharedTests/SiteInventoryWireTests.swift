import Foundation
import Shared
import Testing

/// The `inventory` field of a result: snake_case keys, round trip, and old results without it.
@Suite struct SiteInventoryWireTests {
    static let collected = WireCoding.parseDate("2026-11-22T13:45:00.125Z") ?? Date(timeIntervalSince1970: 0)

    static let inventory = SiteInventory(
        cluster: .init(name: "siteA", id: "1234567890"),
        filesystems: [
            .init(
                name: "mmfs1", mountpoint: "/mmfs1", blockSize: 4_194_304, poolNames: ["sas1", "nearline"],
                capacity: 89_120_571_392, usedSpace: 3_070_230_528, freeSpace: 86_050_340_864)
        ],
        filesets: [
            .init(name: "root", filesystem: "mmfs1", id: 0, path: "/mmfs1", status: "Linked", independent: true, inodeSpace: 0),
            .init(
                name: "sas1-Test_Space", filesystem: "mmfs1", id: 3, path: "/mmfs1/data/Test_Space", status: "Linked",
                independent: false, inodeSpace: 0, parentID: 0, comment: "space"),
            .init(name: "old", filesystem: "mmfs1", id: 4, path: nil, status: "Unlinked", independent: true),
        ],
        storagePools: [
            .init(name: "sas1", filesystem: "mmfs1", capacity: 89_120_571_392, freeSpace: 86_050_340_864, isDefault: true,
                  holdsData: true, holdsMetadata: true)
        ],
        servers: [
            .init(name: "siteA-1.pixstor", nodeNumber: 1, adminName: "siteA-1.pixstor", ipAddress: "10.0.0.1",
                  designation: "quorumManager", roles: ["cesNode"], interfaces: ["ens5", "ens6"])
        ],
        errors: [.init(scope: .storagePools, filesystem: "mmfs2", command: "mmdf mmfs2 -Y", message: "exited with status 1")],
        collected: collected)

    static func result(inventory: SiteInventory?) -> TaskResult {
        TaskResult(
            taskID: "t-1", attempt: 1, jobID: 7, paths: [],
            status: TaskStatus(task: "dynamo.tasks.site_inventory", inputPaths: [], started: collected), node: "node1",
            inventory: inventory)
    }

    @Test func roundTripsInAResult() throws {
        let result = Self.result(inventory: Self.inventory)
        let back = try WireCoding.decode(TaskResult.self, from: try WireCoding.encode(result))
        #expect(back == result)
        #expect(back.inventory?.storagePools.first?.usedSpace == 3_070_230_528)
    }

    @Test func usesSnakeCaseKeysAndKeepsThePoolInvariant() throws {
        let text = String(decoding: try WireCoding.encode(Self.inventory), as: UTF8.self)
        for key in ["\"storage_pools\"", "\"used_space\"", "\"free_space\"", "\"is_default\"", "\"pool_names\"", "\"block_size\"",
                    "\"inode_space\"", "\"parent_id\"", "\"node_number\"", "\"ip_address\"", "\"admin_name\"", "\"holds_metadata\""] {
            #expect(text.contains(key), "\(key) missing in \(text)")
        }
        #expect(!text.contains("usedSpace") && !text.contains("storagePools"))
        let pool = try #require(Self.inventory.storagePools.first)
        #expect(pool.capacity == pool.usedSpace + pool.freeSpace)
        #expect(abs(pool.utilisation - 3.445) < 0.01)
        #expect(Self.inventory.filesystems.first?.utilisation == pool.utilisation)
        // An overfull pool (the sandbox allows it) still adds up: used is capped at the capacity.
        let full = SiteInventory.StoragePool(name: "p", filesystem: "f", capacity: 100, freeSpace: -5, isDefault: false)
        #expect(full.usedSpace == 100 && full.freeSpace == 0 && full.utilisation == 100)
    }

    @Test func resultsWithoutInventoryStillDecode() throws {
        let plain = Self.result(inventory: nil)
        let text = String(decoding: try WireCoding.encode(plain), as: UTF8.self)
        #expect(!text.contains("\"inventory\""))
        let json = #"{"v": 1, "task_id": "t", "attempt": 1, "jobid": 1, "paths": [], "status": {"task": "x", "input_paths": [], "input_total": 0, "summary": {}, "details": {}, "started": "2026-01-01T00:00:00Z"}}"#
        #expect(try WireCoding.decode(TaskResult.self, from: Array(json.utf8)).inventory == nil)
    }

    @Test func decodesAMinimalInventory() throws {
        let json = #"{"filesystems": [{"name": "mmfs1", "mountpoint": "/mmfs1", "pool_names": []}], "filesets": [], "storage_pools": [], "servers": [], "errors": [], "collected": "2026-01-01T00:00:00Z"}"#
        let inventory = try WireCoding.decode(SiteInventory.self, from: Array(json.utf8))
        #expect(inventory.cluster == nil)
        #expect(inventory.filesystems.first?.capacity == nil)
    }
}
