import TokenCore

/// Dates written straight into a page's bytes, for the table cells that show one per row: no
/// formatter and no intermediate string.
extension HTML {
    /// `2026-07-01`.
    mutating func append(date: CivilDate) {
        appendPadded(date.year, width: 4)
        utf8.append(UInt8(ascii: "-"))
        appendPadded(date.month, width: 2)
        utf8.append(UInt8(ascii: "-"))
        appendPadded(date.day, width: 2)
    }

    /// `2026-07-01 14:31 UTC`, to the minute.
    mutating func append(instant: Timestamp) {
        append(date: instant.date)
        let milliseconds = instant.millisecondsSinceEpoch - instant.date.startOfDay.millisecondsSinceEpoch
        let minutes = Int(milliseconds / 60_000)
        utf8.append(UInt8(ascii: " "))
        appendPadded(minutes / 60, width: 2)
        utf8.append(UInt8(ascii: ":"))
        appendPadded(minutes % 60, width: 2)
        append(markup: " UTC")
    }

    /// A non-negative number in exactly `width` digits (a longer one keeps its low digits).
    private mutating func appendPadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            utf8.append(UInt8(truncatingIfNeeded: 48 + rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
