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

    /// Integers written digit by digit: the bytes `String(value)` spells, at both ends of the range.
    @Test func integersAreWrittenAsStringSpellsThem() {
        let values: [Int64] = [0, 1, 9, 10, -1, -10, 99, 100, 1_796_631_428_495, -1_796_631_428_495, .max, .min, .max - 1, .min + 1]
        for value in values {
            var w = JSONWriter()
            w.int64(value)
            #expect(w.string == String(value))
            var small = JSONWriter()
            small.int(Int(value))
            #expect(small.string == String(value))
        }
        var w = JSONWriter()
        w.beginArray()
        w.int(-3)
        w.int(40)
        w.endArray()
        #expect(w.string == "[-3,40]")
    }

    /// A key quoted once (a schema's table) writes what `key(_:)` writes, commas included; lines
    /// end without a comma before the next document.
    @Test func quotedKeysAndLines() {
        var quoted = JSONWriter()
        quoted.key("na\"me")
        var a = JSONWriter()
        a.beginObject()
        a.field("id", 1)
        a.key(quoted: quoted.bytes)
        a.string("x")
        a.endObject()
        a.endLine()
        a.beginArray()
        a.encoded(Array(#"{"b":[1]}"#.utf8))
        a.int(2)
        a.endArray()
        #expect(a.string == "{\"id\":1,\"na\\\"me\":\"x\"}\n[{\"b\":[1]},2]")
    }
}
