import Foundation
import Testing

/// `ngeneahub createsuperuser` with the password on standard input (not a terminal): the first
/// administrator, Django-compatible hash at the default iterations, and exit 2 with a reason on bad input.
@Suite struct CreateSuperuserTests {
    @Test func createsTheFirstAdministratorAndRejectsBadInput() async throws {
        let database = try await ScratchDatabase.create()
        do {
            try await check(database)
        } catch {
            await database.drop()
            throw error
        }
        await database.drop()
    }

    func check(_ database: ScratchDatabase) async throws {
        let hub = TestEnvironment.executable("ngeneahub")
        let environment = ["NGENEA_DATABASE_URL": database.url, "NGENEAHUB_CONFIG": "/dev/null"]
        let password = "R00t-Passw0rd!"
        func run(_ arguments: [String], input: String?) async throws -> (status: Int32, output: String) {
            try await runTool(hub, ["createsuperuser"] + arguments, environment: environment, input: input)
        }

        let cases: [([String], String?, String)] = [
            ([], password + "\n", "--username is required when standard input is not a terminal"),
            (["--username", "bad name"], password + "\n", "is not a valid username"),
            (["--username", ""], password + "\n", "may not be blank"),
            (["--username", "root", "--email", "nope"], password + "\n", "is not a valid email address"),
            (["--username", "root"], "", "no password on standard input"),
            (["--username", "root"], "short\n", "This password is too short"),
            (["--username", "rootadmin"], "Rootadmin1!\n", "too similar to the username"),
            (["--username", "root"], "nodigits-Here\n", "at least 1 digit"),
        ]
        for (arguments, input, message) in cases {
            let result = try await run(arguments, input: input)
            #expect(result.status == 2, "\(arguments): \(result.output)")
            #expect(result.output.contains(message), "\(arguments): \(result.output)")
            if let input, input.count > 10 { #expect(!result.output.contains(input.trimmingCharacters(in: .newlines))) }
        }

        let created = try await run(["--username", "root", "--email", "root@example.com"], input: password + "\n")
        #expect(created.status == 0, "\(created.output)")
        #expect(created.output.contains("Superuser root created successfully."))
        #expect(!created.output.contains(password))
        let row = try await runTool(
            "/usr/bin/env",
            ["psql", database.url, "-Atc", """
                SELECT u.is_superuser, u.is_staff, u.is_active, u.email, u.password LIKE 'pbkdf2_sha256$870000$%',
                       array_to_string(ARRAY(SELECT group_id FROM auth_user_groups WHERE user_id = u.id), ',')
                FROM auth_user u WHERE username = 'root'
                """])
        #expect(row.output.trimmingCharacters(in: .whitespacesAndNewlines) == "t|t|t|root@example.com|t|1", "\(row.output)")

        let again = try await run(["--username", "root"], input: password + "\n")
        #expect(again.status == 2 && again.output.contains("already taken"), "\(again.output)")
        let skipped = try await run(["--username", "root", "--if-missing"], input: password + "\n")
        #expect(skipped.status == 0 && skipped.output.contains("already exists"), "\(skipped.output)")
    }
}

/// The interactive form on a real terminal (a pty from util-linux `script`): prompts for what is missing,
/// echoes the username and never the password.
@Suite struct CreateSuperuserTerminalTests {
    @Test func promptsOnATerminalWithoutEchoingThePassword() async throws {
        let database = try await ScratchDatabase.create()
        do {
            let password = "Tty-Passw0rd!"
            let session = try TerminalSession(
                command: "\(TestEnvironment.executable("ngeneahub")) createsuperuser",
                environment: ["NGENEA_DATABASE_URL": database.url, "NGENEAHUB_CONFIG": "/dev/null"])
            try await session.answer("Username: ", with: "ttyadmin")
            try await session.answer("Email address: ", with: "tty@example.com")
            try await session.answer("Password: ", with: password)
            try await session.answer("Password (again): ", with: password)
            let status = try await session.finish()
            #expect(status == 0, "\(session.output)")
            #expect(session.output.contains("Superuser ttyadmin created successfully."))
            #expect(session.output.contains("ttyadmin\r\n"), "the username is echoed as typed")
            #expect(!session.output.contains(password), "the password was echoed: \(session.output)")

            let mismatch = try TerminalSession(
                command: "\(TestEnvironment.executable("ngeneahub")) createsuperuser --username other --email o@example.com",
                environment: ["NGENEA_DATABASE_URL": database.url, "NGENEAHUB_CONFIG": "/dev/null"])
            try await mismatch.answer("Password: ", with: password)
            try await mismatch.answer("Password (again): ", with: password + "x")
            #expect(try await mismatch.finish() == 2)
            #expect(mismatch.output.contains("the passwords didn't match") && !mismatch.output.contains(password))
        } catch {
            await database.drop()
            throw error
        }
        await database.drop()
    }
}

/// A command on a pseudo-terminal (`script -qec`), answered prompt by prompt like a person would.
final class TerminalSession: @unchecked Sendable {
    // `buffer` is guarded by `lock`; the process is driven by one test at a time.
    private let process = Process()
    private let input = Pipe()
    private let outputPipe = Pipe()
    private let lock = NSLock()
    private var buffer = Data()

    init(command: String, environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = input
        process.standardOutput = outputPipe
        process.standardError = outputPipe
        outputPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.buffer.append(data)
            self.lock.unlock()
        }
        try process.run()
    }

    var output: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Waits for `prompt` to appear once more than it was answered, then types `line` and Enter.
    func answer(_ prompt: String, with line: String) async throws {
        let already = answered[prompt, default: 0]
        let appeared = try await eventually(timeout: .seconds(30), every: .milliseconds(20)) {
            self.output.components(separatedBy: prompt).count - 1 > already
        }
        guard appeared else { throw TestFailure("no prompt '\(prompt)'; output so far: \(output)") }
        answered[prompt] = already + 1
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    private var answered: [String: Int] = [:]

    func finish() async throws -> Int32 {
        let exited = try await eventually(timeout: .seconds(60)) { !self.process.isRunning }
        guard exited else {
            process.terminate()
            throw TestFailure("the command did not finish: \(output)")
        }
        try? input.fileHandleForWriting.close()
        outputPipe.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }
}
