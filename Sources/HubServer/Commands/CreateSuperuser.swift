import ArgumentParser
import Foundation
import Logging
import Postgres

/// `ngeneahub createsuperuser`: the first administrator (Django's command of the same name). Interactive
/// on a terminal (username, email, password twice, without echo); otherwise `--username` is required and
/// the password is the first line of standard input. Bad input exits 2 with the reason.
struct CreateSuperuser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "createsuperuser",
        abstract: "Create an administrator (superuser, member of Administrators).",
        discussion: """
            On a terminal, asks for what is not given and reads the password without echo. Otherwise give \
            --username and pipe the password on standard input: echo "$PASSWORD" | ngeneahub createsuperuser --username admin
            """)

    @Option(help: "The administrator's username.") var username: String?
    @Option(help: "The administrator's email address.") var email: String?
    @Flag(help: "Exit 0 without changes when the username already exists (for scripts that run it every time).")
    var ifMissing = false

    func run() async throws {
        let configuration = try loadHubConfiguration()
        let interactive = TerminalInput.standardInputIsTerminal
        var username = username
        var email = email
        if username == nil {
            guard interactive else { fail("--username is required when standard input is not a terminal") }
            username = TerminalInput.line(prompt: "Username: ")
        }
        guard let username = username?.trimmingCharacters(in: .whitespaces), !username.isEmpty else { fail("the username may not be blank") }
        guard username.count <= UserInput.maximumNameLength, UserInput.isValidUsername(username) else {
            fail("'\(username)' is not a valid username: use at most 150 letters, digits and @ . + - _")
        }
        if email == nil && interactive { email = TerminalInput.line(prompt: "Email address: ") }
        let address = email?.trimmingCharacters(in: .whitespaces) ?? ""
        if !address.isEmpty && !UserInput.isValidEmail(address) { fail("'\(address)' is not a valid email address") }

        let logger = Logger(label: "ngeneahub")
        let pool = try await openDatabase(configuration, logger: logger)
        let users = UserStore(pool: pool)
        do {
            if try await users.find(username: username) != nil {
                await pool.close()
                if ifMissing {
                    print("User \(username) already exists; nothing changed.")
                    return
                }
                fail("that username is already taken")
            }
        } catch {
            await pool.close()
            throw error
        }

        let password: String
        if interactive {
            guard let first = TerminalInput.secret(prompt: "Password: "), let second = TerminalInput.secret(prompt: "Password (again): ") else {
                await pool.close()
                fail("no password given")
            }
            guard first == second else {
                await pool.close()
                fail("the passwords didn't match")
            }
            password = first
        } else {
            guard let line = TerminalInput.line(), !line.isEmpty else {
                await pool.close()
                fail("no password on standard input (give it as the first line)")
            }
            password = line
        }
        let problems = PasswordPolicy.problems(password, for: .init(username: username, email: address))
        guard problems.isEmpty else {
            await pool.close()
            fail("the password is not acceptable:\n  " + problems.joined(separator: "\n  "))
        }
        do {
            let hash = try PasswordHasher(iterations: configuration.passwordIterations).hash(password)
            _ = try await users.create(
                UserStore.Changes(
                    username: username, passwordHash: hash, email: address, groups: [GroupStore.administratorsName],
                    isSuperuser: true))
        } catch let error as APIError {
            await pool.close()
            fail(error.body.values.map { "\($0)" }.joined(separator: "; "))
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
        print("Superuser \(username) created successfully.")
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("ngeneahub createsuperuser: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
