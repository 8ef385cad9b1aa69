import Testing
import TokenCore

struct TimeTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00.000Z", Int64(0)),
        ("2020-07-23T14:31:47.729Z", Int64(1_595_514_707_729)),
        ("2000-02-29T23:59:59.999Z", Int64(951_868_799_999)),
    ])
    func iso8601RoundTrip(text: String, milliseconds: Int64) {
        let instant = Timestamp(millisecondsSinceEpoch: milliseconds)
        #expect(instant.iso8601 == text)
        #expect(Timestamp(iso8601: text) == instant)
    }

    @Test func parsesTheFormsGitLabAccepts() {
        let midnight = Timestamp(iso8601: "2022-01-01")
        #expect(midnight?.iso8601 == "2022-01-01T00:00:00.000Z")
        #expect(Timestamp(iso8601: "2022-01-01T12:30:25")?.iso8601 == "2022-01-01T12:30:25.000Z")
        #expect(Timestamp(iso8601: "2022-01-01T12:30:25+02:00")?.iso8601 == "2022-01-01T10:30:25.000Z")
        #expect(Timestamp(iso8601: "2022-01-01T12:30")?.iso8601 == "2022-01-01T12:30:00.000Z")
        #expect(Timestamp(iso8601: "2022-01-01T12:30:25.5Z")?.iso8601 == "2022-01-01T12:30:25.500Z")
        // More than millisecond precision (Python's isoformat() sends microseconds) is truncated.
        #expect(Timestamp(iso8601: "2022-01-01T12:30:25.566606Z")?.iso8601 == "2022-01-01T12:30:25.566Z")
        #expect(Timestamp(iso8601: "2022-01-01T12:30:25.123+00:00")?.iso8601 == "2022-01-01T12:30:25.123Z")
        for bad in ["", "yesterday", "2022-13-01", "2022-02-30", "2022-01-01T25:00", "2022-01-01T12:30:25Zjunk"] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
    }

    @Test func civilDates() {
        let date = CivilDate(iso8601: "2024-02-28")!
        #expect(date.adding(days: 1).iso8601 == "2024-02-29")
        #expect(date.adding(days: 2).iso8601 == "2024-03-01")
        #expect(date.adding(days: 366).iso8601 == "2025-02-28")
        #expect(CivilDate(iso8601: "2023-02-29") == nil)
        #expect(CivilDate(iso8601: "2024-1-01") == nil)
        #expect(CivilDate(daysSinceEpoch: 0).iso8601 == "1970-01-01")
        #expect(CivilDate(daysSinceEpoch: -1).iso8601 == "1969-12-31")
        // Four-digit years padded, one past them spelled whole (written once; read back never).
        #expect(CivilDate(daysSinceEpoch: CivilDate(iso8601: "0099-03-01")!.daysSinceEpoch).iso8601 == "0099-03-01")
        #expect(CivilDate(iso8601: "9999-12-31")!.adding(days: 1).iso8601 == "10000-01-01")
        #expect(Timestamp(millisecondsSinceEpoch: -1).date.iso8601 == "1969-12-31")
    }
}
