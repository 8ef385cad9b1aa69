import HTTPTypes
import TokenCore

/// RFC 9110 IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), for `If-Unmodified-Since`.
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parse(_ text: String) -> Timestamp? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, let date = CivilDate(year: year, month: month + 1, day: day) else { return nil }
        let seconds = Int64(clock[0]) * 3600 + Int64(clock[1]) * 60 + Int64(clock[2])
        return date.startOfDay.adding(milliseconds: seconds * 1000)
    }
}
