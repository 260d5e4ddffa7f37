import Glibc

/// `mmlscluster [-Y]`: the site as a one-node cluster named after the site.
enum MMLsCluster {
    static let usage = "usage: mmlscluster [-Y]\n  the site as a GPFS cluster: its name is the site name, one quorum-manager node (this host)"

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.flag("-Y")])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard args.positionals.isEmpty else { throw SimError.usage("mmlscluster takes no arguments") }
        let site = try GPFSArgs.site()
        var nameBuffer = [CChar](repeating: 0, count: 256)
        gethostname(&nameBuffer, nameBuffer.count - 1)
        let host = Posix.string(fromNulTerminated: nameBuffer)
        // A stable 64-bit id derived from the site name, as GPFS cluster ids are 64-bit numbers.
        let digest = { var h = SHA256(); h.update(Array(site.name.utf8)); return h.finalize() }()
        let clusterId = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } >> 1
        if args.flag("-Y") {
            let summary = YTable("mmlscluster", "clusterSummary", ["clusterName", "clusterId", "uidDomain", "rshPath", "rcpPath", "repositoryType"])
            // The clusterNode fields of real GPFS; the sandbox node has no other roles (no CES, AFM gateway...).
            let node = YTable("mmlscluster", "clusterNode", ["nodeNumber", "daemonNodeName", "ipAddress", "adminNodeName", "designation",
                                                             "otherNodeRoles", "adminLoginName", "otherNodeRolesAlias"])
            Output.stdout(summary.header + summary.row([site.name, String(clusterId), site.name, "/usr/bin/ssh", "/usr/bin/scp", "CCR"])
                + node.header + node.row(["1", host, "127.0.0.1", host, "quorumManager", "", "root", ""]))
        } else {
            Output.stdout("""

            GPFS cluster information
            ========================
              GPFS cluster name:         \(site.name)
              GPFS cluster id:           \(clusterId)
              GPFS UID domain:           \(site.name)
              Remote shell command:      /usr/bin/ssh
              Remote file copy command:  /usr/bin/scp
              Repository type:           CCR

             Node  Daemon node name  IP address  Admin node name  Designation
            -------------------------------------------------------------------
               1   \(host)  127.0.0.1  \(host)  quorum-manager

            """)
        }
        return ExitCode.ok
    }
}
