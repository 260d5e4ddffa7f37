import Foundation

/// What a site has, as its worker's GPFS tools list it: filesystems, filesets, storage pools with their
/// capacity, and the cluster's servers. Carried in the `inventory` field of the result of
/// `dynamo.tasks.site_inventory` (docs/tasks.md), which the hub runs on a site's `default#settings` queue
/// and from which it serves `/api/filesystems/`, `/api/filesets/`, `/api/storagepools/` and `/api/servers/`
/// (manual L21450-21631, L23928-24059, L24872-25027).
///
/// A listing that failed leaves its part out and adds an entry to `errors`, so one broken command costs
/// only what it would have listed. Readers must not take a part that is missing *because of an error* as
/// "gone": `errors[].scope` (and `filesystem`) say which parts are incomplete.
public struct SiteInventory: Sendable, Hashable, Codable {
    /// The GPFS cluster (`mmlscluster -Y`); nil when it could not be listed.
    public var cluster: Cluster?
    public var filesystems: [Filesystem]
    public var filesets: [Fileset]
    public var storagePools: [StoragePool]
    public var servers: [Server]
    /// The listings that failed; empty when the inventory is complete.
    public var errors: [InventoryError]
    /// When the worker collected it.
    public var collected: Date

    public init(
        cluster: Cluster? = nil, filesystems: [Filesystem] = [], filesets: [Fileset] = [],
        storagePools: [StoragePool] = [], servers: [Server] = [], errors: [InventoryError] = [], collected: Date
    ) {
        self.cluster = cluster
        self.filesystems = filesystems
        self.filesets = filesets
        self.storagePools = storagePools
        self.servers = servers
        self.errors = errors
        self.collected = collected
    }

    enum CodingKeys: String, CodingKey {
        case cluster, filesystems, filesets
        case storagePools = "storage_pools"
        case servers, errors, collected
    }

    /// Percent of `capacity` in use, 0 when the capacity is 0 (policy triggers compare it with
    /// `max_utilisation`, L20893-20896).
    public static func utilisation(used: Int64, capacity: Int64) -> Double {
        capacity > 0 ? Double(used) * 100 / Double(capacity) : 0
    }

    /// The GPFS cluster the site is.
    public struct Cluster: Sendable, Hashable, Codable {
        public var name: String
        public var id: String?

        public init(name: String, id: String? = nil) {
            self.name = name
            self.id = id
        }
    }

    /// A mounted GPFS filesystem (`mmlsfs all -Y`); `/api/filesystems/` shows name and mountpoint.
    /// The sizes are the sums over its storage pools, nil when those could not be listed.
    public struct Filesystem: Sendable, Hashable, Codable {
        /// The device name without `/dev/`, e.g. `mmfs1`.
        public var name: String
        public var mountpoint: String
        public var blockSize: Int64?
        /// Its storage pools in GPFS order (`mmlsfs -P`); the first is where new files go by default.
        public var poolNames: [String]
        public var capacity: Int64?
        public var usedSpace: Int64?
        public var freeSpace: Int64?
        /// Percent used, 0...100 (may exceed 100 on an overfull sandbox pool).
        public var utilisation: Double?

        public init(
            name: String, mountpoint: String, blockSize: Int64? = nil, poolNames: [String] = [],
            capacity: Int64? = nil, usedSpace: Int64? = nil, freeSpace: Int64? = nil
        ) {
            self.name = name
            self.mountpoint = mountpoint
            self.blockSize = blockSize
            self.poolNames = poolNames
            self.capacity = capacity
            self.usedSpace = usedSpace
            self.freeSpace = freeSpace
            self.utilisation = capacity.flatMap { capacity in usedSpace.map { SiteInventory.utilisation(used: $0, capacity: capacity) } }
        }

        enum CodingKeys: String, CodingKey {
            case name, mountpoint
            case blockSize = "block_size"
            case poolNames = "pool_names"
            case capacity
            case usedSpace = "used_space"
            case freeSpace = "free_space"
            case utilisation
        }
    }

    /// A fileset (`mmlsfileset <fs> -Y`); `/api/filesets/` shows path, name, label and filesystem.
    public struct Fileset: Sendable, Hashable, Codable {
        public var name: String
        public var filesystem: String
        /// The fileset id within its filesystem (root is 0).
        public var id: Int?
        /// The junction directory (the mount for root); nil when the fileset is not linked anywhere.
        public var path: String?
        /// `Linked` or `Unlinked`, as GPFS says.
        public var status: String
        /// Independent (own inode space, own snapshots) or dependent.
        public var independent: Bool
        public var inodeSpace: Int?
        /// The id of the fileset whose junction contains this one's; nil for root.
        public var parentID: Int?
        public var maxInodes: Int64?
        public var allocatedInodes: Int64?
        public var comment: String?

        public init(
            name: String, filesystem: String, id: Int? = nil, path: String?, status: String, independent: Bool,
            inodeSpace: Int? = nil, parentID: Int? = nil, maxInodes: Int64? = nil, allocatedInodes: Int64? = nil,
            comment: String? = nil
        ) {
            self.name = name
            self.filesystem = filesystem
            self.id = id
            self.path = path
            self.status = status
            self.independent = independent
            self.inodeSpace = inodeSpace
            self.parentID = parentID
            self.maxInodes = maxInodes
            self.allocatedInodes = allocatedInodes
            self.comment = comment
        }

        enum CodingKeys: String, CodingKey {
            case name, filesystem, id, path, status, independent
            case inodeSpace = "inode_space"
            case parentID = "parent_id"
            case maxInodes = "max_inodes"
            case allocatedInodes = "allocated_inodes"
            case comment
        }
    }

    /// A storage pool with its space in bytes (`mmdf <fs> -Y`), as `/api/storagepools/` shows it.
    /// `capacity == used_space + free_space` always (used is derived from the other two).
    public struct StoragePool: Sendable, Hashable, Codable {
        public var name: String
        public var filesystem: String
        public var capacity: Int64
        public var usedSpace: Int64
        public var freeSpace: Int64
        /// Percent used, 0...100.
        public var utilisation: Double
        /// Where new files go without a placement policy: the filesystem's first pool.
        public var isDefault: Bool
        public var holdsData: Bool?
        public var holdsMetadata: Bool?

        public init(
            name: String, filesystem: String, capacity: Int64, freeSpace: Int64, isDefault: Bool,
            holdsData: Bool? = nil, holdsMetadata: Bool? = nil
        ) {
            self.name = name
            self.filesystem = filesystem
            self.capacity = capacity
            self.freeSpace = min(max(0, freeSpace), capacity)
            self.usedSpace = capacity - self.freeSpace
            self.utilisation = SiteInventory.utilisation(used: usedSpace, capacity: capacity)
            self.isDefault = isDefault
            self.holdsData = holdsData
            self.holdsMetadata = holdsMetadata
        }

        enum CodingKeys: String, CodingKey {
            case name, filesystem, capacity
            case usedSpace = "used_space"
            case freeSpace = "free_space"
            case utilisation
            case isDefault = "is_default"
            case holdsData = "holds_data"
            case holdsMetadata = "holds_metadata"
        }
    }

    /// A node of the cluster (`mmlscluster -Y`, record `clusterNode`), for `/api/servers/`.
    public struct Server: Sendable, Hashable, Codable {
        /// The daemon node name (a host name, often a FQDN such as `siteA-1.pixstor`).
        public var name: String
        public var nodeNumber: Int?
        public var adminName: String?
        public var ipAddress: String?
        /// GPFS designation: `quorumManager`, `quorum`, `manager` or empty (client).
        public var designation: String?
        /// Other GPFS roles by their readable alias (e.g. `perfmonNode`, `cesNode`, `gatewayNode`).
        public var roles: [String]
        /// Network interface names; known only for the node that ran the task (nil elsewhere).
        public var interfaces: [String]?

        public init(
            name: String, nodeNumber: Int? = nil, adminName: String? = nil, ipAddress: String? = nil,
            designation: String? = nil, roles: [String] = [], interfaces: [String]? = nil
        ) {
            self.name = name
            self.nodeNumber = nodeNumber
            self.adminName = adminName
            self.ipAddress = ipAddress
            self.designation = designation
            self.roles = roles
            self.interfaces = interfaces
        }

        enum CodingKeys: String, CodingKey {
            case name
            case nodeNumber = "node_number"
            case adminName = "admin_name"
            case ipAddress = "ip_address"
            case designation, roles, interfaces
        }
    }

    /// One listing that failed.
    public struct InventoryError: Sendable, Hashable, Codable {
        /// Which part is incomplete.
        public enum Scope: String, Sendable, Hashable, Codable, CaseIterable {
            case filesystems, filesets
            case storagePools = "storage_pools"
            case servers
        }

        public var scope: Scope
        /// Set when only this filesystem's part is missing.
        public var filesystem: String?
        /// The command line that failed, e.g. `mmdf mmfs1 -Y`.
        public var command: String
        public var message: String

        public init(scope: Scope, filesystem: String? = nil, command: String, message: String) {
            self.scope = scope
            self.filesystem = filesystem
            self.command = command
            self.message = message
        }
    }
}
