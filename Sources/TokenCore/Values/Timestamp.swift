/// An instant, in whole milliseconds since 1970-01-01T00:00:00Z.
///
/// tokend keeps time as integers so the domain never needs a formatter or a calendar:
/// GitLab's timestamps have millisecond precision and are always UTC.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public static let millisecondsPerDay: Int64 = 86_400_000

    /// The UTC calendar date this instant falls on.
    public var date: CivilDate {
        let days = Int(floorDivide(millisecondsSinceEpoch, Self.millisecondsPerDay))
        return CivilDate(daysSinceEpoch: days)
    }

    public func adding(milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    public func adding(minutes: Int64) -> Timestamp { adding(milliseconds: minutes * 60_000) }

    /// GitLab's wire format: `2020-07-23T14:31:47.729Z`.
    public var iso8601: String {
        let ms = millisecondsSinceEpoch
        let dayMillis = Int(ms - floorDivide(ms, Self.millisecondsPerDay) * Self.millisecondsPerDay)
        let date = self.date
        // Written as 24 bytes at once: this runs several times per answered request.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int, width: Int) {
                var rest = value
                for position in stride(from: index + width - 1, through: index, by: -1) {
                    buffer[position] = UInt8(48 + rest % 10)
                    rest /= 10
                }
                index += width
            }
            func put(_ byte: UInt8) {
                buffer[index] = byte
                index += 1
            }
            put(date.year, width: 4)
            put(UInt8(ascii: "-"))
            put(date.month, width: 2)
            put(UInt8(ascii: "-"))
            put(date.day, width: 2)
            put(UInt8(ascii: "T"))
            put(dayMillis / 3_600_000, width: 2)
            put(UInt8(ascii: ":"))
            put(dayMillis / 60_000 % 60, width: 2)
            put(UInt8(ascii: ":"))
            put(dayMillis / 1000 % 60, width: 2)
            put(UInt8(ascii: "."))
            put(dayMillis % 1000, width: 3)
            put(UInt8(ascii: "Z"))
            return index
        }
    }

    /// Parses ISO 8601 as GitLab's API accepts it: a bare date (midnight UTC), or a date and time
    /// with optional seconds, fraction and zone (`Z`, `+hh:mm`, `+hhmm`); no zone means UTC.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, let date = CivilDate(iso8601Bytes: bytes[0..<10]) else { return nil }
        var ms = Int64(date.daysSinceEpoch) * Self.millisecondsPerDay
        if bytes.count == 10 {
            self.init(millisecondsSinceEpoch: ms)
            return
        }
        var i = 10
        guard bytes[i] == UInt8(ascii: "T") || bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "t") else { return nil }
        i += 1
        func number(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for b in bytes[i..<(i + count)] {
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            i += count
            return value
        }
        func consume(_ c: Character) -> Bool {
            if i < bytes.count, bytes[i] == c.asciiValue! { i += 1; return true }
            return false
        }
        guard let hour = number(2), hour < 24, consume(":"), let minute = number(2), minute < 60 else { return nil }
        var second = 0
        var fraction: Int64 = 0
        if consume(":") {
            guard let s = number(2), s < 61 else { return nil }
            second = s
            if consume(".") || consume(",") {
                var digits = 0
                var value: Int64 = 0
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    if digits < 3 { value = value * 10 + Int64(bytes[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in 0..<max(0, 3 - digits) { value *= 10 }
                fraction = value
            }
        }
        ms += Int64(hour) * 3_600_000 + Int64(minute) * 60_000 + Int64(second) * 1000 + fraction
        if i < bytes.count {
            if consume("Z") || consume("z") {
            } else if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                let sign: Int64 = bytes[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let zh = number(2) else { return nil }
                _ = consume(":")
                let zm = number(2) ?? 0
                ms -= sign * (Int64(zh) * 3_600_000 + Int64(zm) * 60_000)
            } else {
                return nil
            }
        }
        guard i == bytes.count else { return nil }
        self.init(millisecondsSinceEpoch: ms)
    }
}

/// A calendar date in the proleptic Gregorian calendar, as GitLab's `expires_at` (`YYYY-MM-DD`).
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// `year << 9 | month << 5 | day` in one word: a token carries a date, and a million
    /// tokens carried three words each.
    private let packed: Int64

    public var year: Int { Int(packed >> 9) }
    public var month: Int { Int(packed >> 5 & 0xF) }
    public var day: Int { Int(packed & 0x1F) }

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        packed = Int64(year) << 9 | Int64(month) << 5 | Int64(day)
    }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.init(unchecked: year, month, day)
    }

    /// Days-from-civil, inverted (Howard Hinnant's algorithm).
    public init(daysSinceEpoch: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(unchecked: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Midnight UTC at the start of this date: the instant a token expiring on it stops working.
    public var startOfDay: Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(daysSinceEpoch) * Timestamp.millisecondsPerDay)
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    public var iso8601: String {
        // Written as 10 bytes at once: a compaction writes one per token that expires.
        if (0...9999).contains(year), (1...12).contains(month), (1...31).contains(day) {
            return String(unsafeUninitializedCapacity: 10) { buffer in
                func put(_ value: Int, at index: Int, width: Int) {
                    var rest = value
                    for position in stride(from: index + width - 1, through: index, by: -1) {
                        buffer[position] = UInt8(48 + rest % 10)
                        rest /= 10
                    }
                }
                put(year, at: 0, width: 4)
                buffer[4] = UInt8(ascii: "-")
                put(month, at: 5, width: 2)
                buffer[7] = UInt8(ascii: "-")
                put(day, at: 8, width: 2)
                return 10
            }
        }
        var out = ""
        out.reserveCapacity(10)
        appendPadded(&out, year, width: 4)
        out += "-"
        appendPadded(&out, month, width: 2)
        out += "-"
        appendPadded(&out, day, width: 2)
        return out
    }

    public var description: String { iso8601 }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, let date = CivilDate(iso8601Bytes: bytes[...]) else { return nil }
        self = date
    }

    init?(iso8601Bytes b: ArraySlice<UInt8>) {
        guard b.count == 10 else { return nil }
        let s = b.startIndex
        guard b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-") else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range {
                let c = b[s + i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

@inline(__always)
func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

@inline(__always)
func appendPadded(_ out: inout String, _ value: Int, width: Int) {
    let digits = String(value)
    if digits.count < width { out += String(repeating: "0", count: width - digits.count) }
    out += digits
}
