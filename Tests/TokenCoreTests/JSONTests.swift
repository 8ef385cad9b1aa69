import JSON
import Testing

struct JSONTests {
    @Test func parsesAndWritesBack() throws {
        let value = try JSONParser.parse(#"{"a":[1,-2.5,"x\n\u00e9\ud83d\ude00",true,null],"b":{"c":9007199254740993}}"#)
        #expect(value["a"]?.arrayValue?.count == 5)
        #expect(value["a"]?.arrayValue?[2] == .string("x\né😀"))
        #expect(value["b"]?["c"] == .integer(9_007_199_254_740_993))
        var w = JSONWriter()
        w.value(value)
        #expect(try JSONParser.parse(w.bytes) == value)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "tru", "\"\\x\"", "01", "{\"a\" 1}", "[1] 2", "\"\u{01}\""])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func limitsNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
    }

    @Test func escapesWhatMustBeEscaped() {
        var w = JSONWriter()
        w.string("a\"b\\c\u{1}")
        #expect(w.string == #""a\"b\\c\u0001""#)
    }
}
