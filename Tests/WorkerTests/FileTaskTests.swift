import Foundation
import Shared
import Testing

@testable import Worker

/// delete_paths_from_gpfs, move_paths_on_gpfs and remove_location_xattrs_for_moved on a real ngsim site.
@Suite struct FileTaskTests {
    @Test func deleteFilesSymlinksAndEmptyDirectories() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("d/file.txt", "x")
        let link = sandbox.mount + "/d/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        let empty = sandbox.mount + "/d/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let full = sandbox.mount + "/d/full"
        try sandbox.write("d/full/inner.txt", "y")
        let missing = sandbox.mount + "/d/missing"
        let outcome = try await sandbox.run("dynamo.tasks.delete_paths_from_gpfs", [file, link, empty, full, missing])
        #expect(outcome.paths(.processed) == [file, link, empty])
        #expect(outcome.paths(.skipped) == [missing])
        #expect(outcome.paths(.failures) == [full])
        #expect(!sandbox.exists(file) && !sandbox.exists(link) && !sandbox.exists(empty))
        #expect(sandbox.exists(full + "/inner.txt"))
    }

    /// A recursive delete removes the tree but keeps a fileset junction inside it (and what is below it)
    /// and never removes a junction given directly; both count as done.
    @Test func recursiveDeleteNeverCrossesAFileset() async throws {
        let sandbox = try await ToolSandbox(filesets: ["projects"])
        defer { sandbox.remove() }
        let junction = sandbox.mount + "/projects"
        try sandbox.write("projects/keep.txt", "keep")
        try sandbox.write("projects/tree/a/b.txt", "gone")
        try sandbox.write("projects/tree/c.txt", "gone")
        let tree = junction + "/tree"
        let outcome = try await sandbox.run("dynamo.tasks.delete_paths_from_gpfs", [tree], kwargs: ["recursive": .string("true")])
        #expect(outcome.paths(.processed) == [tree])
        #expect(!sandbox.exists(tree))

        // A tree holding a nested fileset and a snapshot directory: everything else goes.
        let conf = sandbox.site + "/ngsim-site.conf"
        let text = try String(contentsOfFile: conf, encoding: .utf8)
        try (text + "\n[fileset nested]\njunction = area/nested\n").write(toFile: conf, atomically: true, encoding: .utf8)
        let area = sandbox.mount + "/area"
        try sandbox.write("area/nested/keep.txt", "kept")
        try sandbox.write("area/top.txt", "gone")
        try sandbox.write("area/deep/x.txt", "gone")
        try sandbox.write("area/.snapshots/s1/x.txt", "kept")
        let all = try await sandbox.run("dynamo.tasks.delete_paths_from_gpfs", [area], kwargs: ["recursive": .bool(true)])
        #expect(all.paths(.processed) == [area])
        #expect(all.message(area)?.contains("fileset junction") == true)
        #expect(sandbox.exists(area + "/nested/keep.txt"))
        #expect(sandbox.exists(area + "/.snapshots/s1/x.txt"))
        #expect(!sandbox.exists(area + "/top.txt"))
        #expect(!sandbox.exists(area + "/deep"))

        let direct = try await sandbox.run("dynamo.tasks.delete_paths_from_gpfs", [junction], kwargs: ["recursive": .bool(true)])
        #expect(direct.paths(.processed) == [junction])
        #expect(direct.message(junction)?.contains("fileset junction") == true)
        #expect(sandbox.exists(junction + "/keep.txt"))
    }

    @Test func moveSwapsAndChains() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let a = try sandbox.write("m/a.txt", "content A")
        let b = try sandbox.write("m/b.txt", "content B")
        let c = try sandbox.write("m/c.txt", "content C")
        let newDir = sandbox.mount + "/m/new/deeper/c.txt"
        let outcome = try await sandbox.run(
            "dynamo.tasks.move_paths_on_gpfs",
            paths: [
                PathItem(path: b, state: "moved", source: a), PathItem(path: a, state: "moved", source: b),
                PathItem(path: newDir, state: "moved", source: c),
            ])
        #expect(outcome.paths(.processed) == [b, a, newDir])
        #expect(sandbox.read(a) == "content B")
        #expect(sandbox.read(b) == "content A")
        #expect(sandbox.read(newDir) == "content C")
        #expect(!sandbox.exists(c))
        #expect(outcome.passedOn.map(\.source) == [a, b, c])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: sandbox.mount + "/m").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)

        // Delivered again: the sources are gone and the destinations exist, so nothing changes.
        let again = try await sandbox.run(
            "dynamo.tasks.move_paths_on_gpfs", paths: [PathItem(path: newDir, source: c)])
        #expect(again.paths(.skipped) == [newDir])
        let lost = try await sandbox.run(
            "dynamo.tasks.move_paths_on_gpfs", paths: [PathItem(path: sandbox.mount + "/m/x", source: sandbox.mount + "/m/nothing")])
        #expect(lost.paths(.failures) == [sandbox.mount + "/m/x"])
        let noSource = try await sandbox.run("dynamo.tasks.move_paths_on_gpfs", [a])
        #expect(noSource.paths(.failures) == [a])
    }

    /// A delivery that died between the two steps left the data under its temporary names; the next
    /// delivery of the same task finishes the swap instead of moving the new files again.
    @Test func moveFinishesAnInterruptedDelivery() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let a = try sandbox.write("r/a.txt", "content A")
        let b = try sandbox.write("r/b.txt", "content B")
        let mover = Mover(options: Mover.Options(), taskID: "t-swap")
        // Step one of both items, by hand, then step two of the first only.
        let tempA = mover.temporaryPath(source: a, destination: b)
        let tempB = mover.temporaryPath(source: b, destination: a)
        try FileManager.default.moveItem(atPath: a, toPath: tempA)
        try FileManager.default.moveItem(atPath: b, toPath: tempB)
        try FileManager.default.moveItem(atPath: tempA, toPath: b)
        let outcome = try await sandbox.run(
            "dynamo.tasks.move_paths_on_gpfs", paths: [PathItem(path: b, source: a), PathItem(path: a, source: b)],
            taskID: "t-swap")
        #expect(outcome.paths(.skipped) == [b])
        #expect(outcome.paths(.processed) == [a])
        #expect(sandbox.read(a) == "content B")
        #expect(sandbox.read(b) == "content A")
    }

    @Test func moveWithTargetMaxAgeAndXattrRemoval() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let source = try sandbox.write("t/src.txt", "new")
        let destination = try sandbox.write("t/dst.txt", "newer on this site")
        let kept = try await sandbox.run(
            "dynamo.tasks.move_paths_on_gpfs", paths: [PathItem(path: destination, source: source)],
            kwargs: ["target_max_age": .int(1000)])
        #expect(kept.paths(.processed) == [destination])
        #expect(sandbox.read(destination) == "newer on this site")
        #expect(!sandbox.exists(source))

        let premigrated = try sandbox.write("t/pre.txt", "premigrated")
        _ = try await sandbox.run("dynamo.tasks.migrate", [premigrated], kwargs: ["premigrate": .bool(true)])
        let moved = sandbox.mount + "/t/moved.txt"
        let outcome = try await sandbox.run(
            "dynamo.tasks.move_paths_on_gpfs", paths: [PathItem(path: moved, source: premigrated)],
            kwargs: ["delete_remote_xattrs": .string("true")])
        #expect(outcome.paths(.processed) == [moved])
        #expect(try await sandbox.state(moved) == "resident")
        #expect(sandbox.read(moved) == "premigrated")
    }

    @Test func removeLocationXattrsKeepsOfflineStubs() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let premigrated = try sandbox.write("x/p.txt", "premigrated")
        let migrated = try sandbox.write("x/m.txt", "migrated")
        let resident = try sandbox.write("x/r.txt", "resident")
        let missing = sandbox.mount + "/x/none"
        _ = try await sandbox.run("dynamo.tasks.migrate", [premigrated], kwargs: ["premigrate": .bool(true)])
        _ = try await sandbox.run("dynamo.tasks.migrate", [migrated])
        let outcome = try await sandbox.run(
            "dynamo.tasks.remove_location_xattrs_for_moved", [premigrated, migrated, resident, missing])
        #expect(outcome.paths(.processed) == [premigrated])
        #expect(outcome.paths(.skipped) == [migrated, resident])
        #expect(outcome.paths(.failures) == [missing])
        #expect(try await sandbox.state(premigrated) == "resident")
        #expect(try await sandbox.state(migrated) == "migrated")
        // Migrating the file again uploads it anew (the identical object is found and reused).
        let again = try await sandbox.run("dynamo.tasks.migrate", [premigrated], kwargs: ["premigrate": .bool(true)])
        #expect(again.paths(.processed) == [premigrated])
    }
}
