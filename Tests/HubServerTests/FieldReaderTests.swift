import Shared
import Testing

@testable import HubServer

@Suite struct FieldReaderTests {
    @Test func wrongTypesAndMissingFieldsAreNamed() throws {
        var reader = try FieldReader([
            "name": 5, "count": "x", "flag": "yes", "list": "nope", "ids": [1, "b"], "blank": "  ", "long": "abcdef",
            "nothing": nil, "unknown": "ignored",
        ])
        _ = reader.string("name")
        _ = reader.int("count")
        _ = reader.bool("flag")
        _ = reader.stringList("list")
        _ = reader.intList("ids")
        _ = reader.string("blank", allowBlank: false)
        _ = reader.string("long", maxLength: 3)
        _ = reader.string("nothing")
        _ = reader.string("required", required: true)
        #expect(reader.errors["name"] == .messages(["Not a valid string."]))
        #expect(reader.errors["count"] == .messages(["A valid integer is required."]))
        #expect(reader.errors["flag"] == .messages(["Must be a valid boolean."]))
        #expect(reader.errors["list"] == .messages(["Expected a list of items but got type \"str\"."]))
        #expect(reader.errors["ids"] == .messages(["Incorrect type. Expected pk value, received str."]))
        #expect(reader.errors["blank"] == .messages(["This field may not be blank."]))
        #expect(reader.errors["long"] == .messages(["Ensure this field has no more than 3 characters."]))
        #expect(reader.errors["nothing"] == .messages(["This field may not be null."]))
        #expect(reader.errors["required"] == .messages(["This field is required."]))
        #expect(reader.errors["unknown"] == nil)
        #expect(throws: APIError.self) { try reader.validate() }
    }

    @Test func aBodyThatIsNotAnObjectIsRejected() {
        #expect(throws: APIError.self) { try FieldReader([1, 2]) }
    }

    @Test func partialUpdateFieldsTellAbsentFromNull() throws {
        var reader = try FieldReader(["a": nil, "b": "x"])
        #expect(reader.nullableString("a") == .null)
        #expect(reader.nullableString("b") == .value("x"))
        #expect(reader.nullableString("c") == .absent)
        #expect(Field<String>.absent.applied(to: "old") == "old")
        #expect(Field<String>.null.applied(to: "old") == nil)
    }

    @Test func usernamesAndEmails() {
        for good in ["bob", "a.b@c+d-e_f", "Ünïcode", "x1"] { #expect(UserInput.isValidUsername(good), "\(good)") }
        for bad in ["", "a b", "a/b", "x!", "semi;colon"] { #expect(!UserInput.isValidUsername(bad), "\(bad)") }
        for good in ["user@gmail.com", "a@localhost", "first.last+tag@sub.example.org"] { #expect(UserInput.isValidEmail(good)) }
        for bad in ["plain", "@x.com", "a@", "a@b", "a b@c.com", "a@@b.com"] { #expect(!UserInput.isValidEmail(bad), "\(bad)") }
    }
}
