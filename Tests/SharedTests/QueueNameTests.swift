import Shared
import Testing

@Suite struct QueueNameTests {
    @Test(arguments: [
        ("london.highpriority#custom", "london", "highpriority", QueueName.Function.custom),
        ("site-a.default#worker", "site-a", "default", .worker),
        ("s_1.q_2#discovery", "s_1", "q_2", .discovery),
        ("dublin.default#settings", "dublin", "default", .settings),
        ("dublin.default#interactive", "dublin", "default", .interactive),
    ])
    func parsesWellFormedNames(text: String, site: String, queue: String, function: QueueName.Function) throws {
        let name = try QueueName(parsing: text)
        #expect(name.site == site)
        #expect(name.queue == queue)
        #expect(name.function == function)
        #expect(name.description == text)
    }

    @Test(arguments: [
        ("london.default", "missing '#<function>'"),
        ("londondefault#worker", "missing '.'"),
        ("london.default#cooking", "unknown function 'cooking'"),
        (".default#worker", "site name is empty"),
        ("london.#worker", "queue name is empty"),
        ("lon don.default#worker", "may contain only"),
        ("london.high.priority#worker", "may contain only"),
        ("london.a#b#worker", "may contain only"),
        ("", "missing '#<function>'"),
    ])
    func rejectsMalformedNames(text: String, reason: String) {
        #expect {
            try QueueName(parsing: text)
        } throws: { error in
            guard let error = error as? QueueNameError else { return false }
            return error.description.contains(reason)
        }
    }

    @Test func decodingRejectsAMalformedName() {
        #expect(throws: (any Error).self) {
            try WireCoding.decode([QueueName].self, from: Array(#"["london.default"]"#.utf8))
        }
    }
}
