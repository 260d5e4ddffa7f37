import Foundation
import Logging
import Testing

@testable import Worker

/// The node's filesystems for the heartbeat: what a probe reads from `mmlsfs`, what a failed probe keeps,
/// and when the background service probes again.
@Suite struct FilesystemProbeTests {
    @Test func mountsComeFromTheSandboxesMmlsfsAndAFailureGivesNil() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let logger = Logger(label: "probe-test")
        let found = await FilesystemProbe.mounts(tools: sandbox.settings, logger: logger)
        #expect(found == ["mmfs1": sandbox.mount])
        var broken = sandbox.settings
        broken.commands["mmlsfs"] = "/bin/false"
        #expect(await FilesystemProbe.mounts(tools: broken, logger: logger) == nil)
        broken.commands["mmlsfs"] = sandbox.root + "/no-such-tool"
        #expect(await FilesystemProbe.mounts(tools: broken, logger: logger) == nil)
    }

    @Test func aFailedProbeKeepsWhatAnEarlierOneFound() {
        let known = KnownFilesystems(nil)
        #expect(known.record(nil) == false)
        #expect(known.value == nil)
        #expect(known.record(["mmfs1": "/mmfs1"]) == true)
        #expect(known.record(nil) == false)
        #expect(known.value == ["mmfs1": "/mmfs1"])
        #expect(known.record(["mmfs1": "/mmfs1"]) == false)
        #expect(known.record(["mmfs1": "/gpfs/mmfs1"]) == true)
        #expect(known.value == ["mmfs1": "/gpfs/mmfs1"])
    }

    @Test func retriesBackOffWhileUnknownAndRefreshOnceKnown() {
        func next(_ known: Bool, _ last: Duration?) -> Duration {
            FilesystemProbeService.nextDelay(
                known: known, last: last, heartbeat: .seconds(5), maxRetry: .seconds(300), refresh: .seconds(600))
        }
        var waits: [Duration] = []
        var last: Duration? = nil
        for _ in 0..<9 {
            let wait = next(false, last)
            waits.append(wait)
            last = wait
        }
        #expect(waits == [5, 10, 20, 40, 80, 160, 300, 300, 300].map { Duration.seconds($0) })
        #expect(next(true, nil) == .seconds(600))
        #expect(next(true, .seconds(300)) == .seconds(600))
    }
}
