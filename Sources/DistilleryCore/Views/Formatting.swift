/// Display formatting for pages. Pure, so pages and JSON agree and tests can pin the output.
public enum Formatting {
    /// 1234567 -> "1,234,567"
    public static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var output = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { output.append(",") }
            output.append(character)
        }
        return value < 0 ? "-" + output : output
    }

    /// Decimal units, as people read file sizes: 52428800 -> "52.4 MB".
    public static func bytes(_ value: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1000 && unit < units.count - 1 {
            amount /= 1000
            unit += 1
        }
        if unit == 0 { return "\(value) B" }
        return "\(oneDecimal(amount)) \(units[unit])"
    }

    /// Seconds -> "45 s", "4 min 8 s", "2 h 5 min". A positive time under half a second reads "< 1 s".
    public static func duration(seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0 s" }
        let total = Int(seconds.rounded())
        if total == 0 { return "< 1 s" }
        if total < 60 { return "\(total) s" }
        if total < 3600 { return total % 60 == 0 ? "\(total / 60) min" : "\(total / 60) min \(total % 60) s" }
        let minutes = total % 3600 / 60
        return minutes == 0 ? "\(count(total / 3600)) h" : "\(count(total / 3600)) h \(minutes) min"
    }

    /// Dollars with cents and thousands separators ("$1,234.56"); four decimals under one cent ("$0.0042"),
    /// so a small job does not read as free.
    public static func usd(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let sign = value < 0 ? "-" : ""
        let magnitude = abs(value)
        if magnitude == 0 { return "$0.00" }
        if magnitude < 0.01 {
            let tenThousandths = Int((magnitude * 10_000).rounded())
            if tenThousandths == 0 { return sign + "< $0.0001" }
            if tenThousandths < 100 { return sign + "$0.00" + (tenThousandths < 10 ? "0" : "") + "\(tenThousandths)" }
        }
        let cents = Int((magnitude * 100).rounded())
        return sign + "$" + count(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + "\(cents % 100)"
    }

    /// A rate per minute: whole numbers with separators from 10 up, one decimal below ("2.5 seeds/min").
    public static func ratePerMinute(_ value: Double, noun: String) -> String {
        guard value.isFinite, value > 0 else { return "—" }
        return (value >= 10 ? count(Int(value.rounded())) : oneDecimal(value)) + " \(noun)/min"
    }

    public static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// Unix milliseconds -> "2026-11-22 06:01 UTC" (civil-from-days, Howard Hinnant's algorithm).
    public static func timestamp(milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return "\(year)-\(pad(month))-\(pad(day)) \(pad(Int(secondOfDay / 3600))):\(pad(Int(secondOfDay % 3600 / 60))) UTC"
    }

    /// Unix milliseconds -> RFC 3339 "2026-11-22T06:01:02Z" for JSON.
    public static func iso8601(milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return "\(year)-\(pad(month))-\(pad(day))T\(pad(Int(secondOfDay / 3600))):\(pad(Int(secondOfDay % 3600 / 60))):\(pad(Int(secondOfDay % 60)))Z"
    }

    static func civilDate(daysSinceEpoch: Int64) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private static func pad(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
