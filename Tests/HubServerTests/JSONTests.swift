import Foundation
import Testing

@testable import HubServer

@Suite struct JSONTests {
    @Test func objectsKeepTheirOrderAndNullsAreExplicit() {
        let value: JSON = ["id": 4, "url": "http://h/api/users/x/", "profile": nil, "groups": [], "ok": true, "n": .double(0.5)]
        #expect(value.text == #"{"id":4,"url":"http://h/api/users/x/","profile":null,"groups":[],"ok":true,"n":0.5}"#)
    }

    @Test func stringsAreEscaped() throws {
        let value: JSON = ["s": .string("quote \" back \\ nl \n tab \t bell \u{07} é ☃")]
        let parsed = try JSONSerialization.jsonObject(with: Data(value.bytes)) as? [String: String]
        #expect(parsed?["s"] == "quote \" back \\ nl \n tab \t bell \u{07} é ☃")
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000000Z"),
        (1_750_771_029.771857, "2025-06-24T13:17:09.771857Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500000Z"),
        (-1.25, "1969-12-31T23:59:58.750000Z"),
        (4_102_444_799.999999, "2099-12-31T23:59:59.999999Z"),
    ])
    func datesHaveMicrosecondsAndZ(seconds: Double, text: String) {
        #expect(APIDate.format(Date(timeIntervalSince1970: seconds)) == text)
    }
}
