/// What the hub knows about the policy's site when it checks or compiles a policy: the filesystems with
/// their mount points and storage pools (in GPFS order), and the paths of the spaces on this site.
public struct PolicySiteContext: Sendable, Hashable {
    public struct Filesystem: Sendable, Hashable {
        public var name: String
        /// Absolute mount point, e.g. `/mmfs1`.
        public var mount: String
        public var pools: [String]

        public init(name: String, mount: String, pools: [String]) {
            self.name = name
            self.mount = mount
            self.pools = pools
        }
    }

    public var site: Int
    public var filesystems: [Filesystem]
    /// Space id -> the space's absolute path on this site.
    public var spaces: [Int: String]

    public init(site: Int, filesystems: [Filesystem], spaces: [Int: String]) {
        self.site = site
        self.filesystems = filesystems
        self.spaces = spaces
    }

    public func filesystem(named name: String) -> Filesystem? { filesystems.first { $0.name == name } }
}

extension PolicyDefinition {
    /// Checks the policy against its site: the filesystem exists, every trigger's pool is a pool of it,
    /// and every space is known and lies under the filesystem's mount. Reports every problem.
    public func validate(against context: PolicySiteContext) throws(PolicyValidationError) {
        var errors = ValidationErrors()
        validate(against: context, errors: &errors)
        try errors.checkPolicy()
    }

    func validate(against context: PolicySiteContext, errors: inout ValidationErrors) {
        if site != context.site {
            errors.add("site", "The site details given are of site \(context.site), not of site \(site).")
        }
        guard let fs = context.filesystem(named: filesystem) else {
            let known = context.filesystems.map(\.name).sorted().joined(separator: ", ")
            errors.add("filesystem", "Filesystem '\(filesystem)' does not exist on this site (filesystems: \(known.isEmpty ? "none" : known)).")
            return
        }
        for (index, trigger) in triggers.enumerated() where !fs.pools.contains(trigger.poolName) {
            errors.add(
                "triggers[\(index)].pool_name",
                "Pool '\(trigger.poolName)' does not exist in filesystem \(fs.name) on this site (pools: \(fs.pools.joined(separator: ", "))).")
        }
        let mount = PathScope.normalized(fs.mount)
        for (index, id) in spaces.enumerated() {
            guard let given = context.spaces[id] else {
                errors.add("spaces[\(index)]", "Space \(id) does not exist on this site.")
                continue
            }
            guard let path = PathScope.normalized(given), let mount else {
                errors.add("spaces[\(index)]", "Space \(id) has no usable path on this site ('\(given)').")
                continue
            }
            if !PathScope.isWithin(path, mount) {
                errors.add("spaces[\(index)]", "Space \(id) (\(path)) is not under \(mount), the mount point of filesystem \(fs.name).")
            }
        }
    }
}
