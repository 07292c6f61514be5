/// What a provider's rate-limit headers say, as durations from the moment the response arrived.
public struct RateLimitSnapshot: Sendable, Equatable {
    public var limitRequests: Int?
    public var remainingRequests: Int?
    /// Milliseconds until the request allowance refills.
    public var resetRequestsMs: Int64?
    public var limitTokens: Int?
    public var remainingTokens: Int?
    public var resetTokensMs: Int64?
    /// `Retry-After`, as milliseconds from now.
    public var retryAfterMs: Int64?

    public init(
        limitRequests: Int? = nil, remainingRequests: Int? = nil, resetRequestsMs: Int64? = nil,
        limitTokens: Int? = nil, remainingTokens: Int? = nil, resetTokensMs: Int64? = nil, retryAfterMs: Int64? = nil
    ) {
        self.limitRequests = limitRequests
        self.remainingRequests = remainingRequests
        self.resetRequestsMs = resetRequestsMs
        self.limitTokens = limitTokens
        self.remainingTokens = remainingTokens
        self.resetTokensMs = resetTokensMs
        self.retryAfterMs = retryAfterMs
    }

    /// True when no header was recognised.
    public var isEmpty: Bool { self == RateLimitSnapshot() }

    /// How long the job should hold off before sending again, if the headers say so: `Retry-After`, or the
    /// reset time of an allowance that has run out.
    public var pauseMs: Int64? {
        var pause = retryAfterMs
        if remainingRequests == 0, let reset = resetRequestsMs { pause = max(pause ?? 0, reset) }
        if remainingTokens == 0, let reset = resetTokensMs { pause = max(pause ?? 0, reset) }
        return pause
    }
}

/// Reads `x-ratelimit-*` and `Retry-After` in the forms providers use.
public enum RateLimitHeaders {
    /// `nowUnixMs` turns absolute forms (an HTTP date, a Unix timestamp) into durations.
    public static func parse(_ headers: HTTPHeaders, nowUnixMs: Int64) -> RateLimitSnapshot {
        var snapshot = RateLimitSnapshot()
        snapshot.limitRequests = count(headers["x-ratelimit-limit-requests"] ?? headers["x-ratelimit-limit"])
        snapshot.remainingRequests = count(headers["x-ratelimit-remaining-requests"] ?? headers["x-ratelimit-remaining"])
        snapshot.resetRequestsMs = (headers["x-ratelimit-reset-requests"] ?? headers["x-ratelimit-reset"])
            .flatMap { resetDelay($0, nowUnixMs: nowUnixMs) }
        snapshot.limitTokens = count(headers["x-ratelimit-limit-tokens"])
        snapshot.remainingTokens = count(headers["x-ratelimit-remaining-tokens"])
        snapshot.resetTokensMs = headers["x-ratelimit-reset-tokens"].flatMap { resetDelay($0, nowUnixMs: nowUnixMs) }
        snapshot.retryAfterMs = headers["retry-after-ms"].flatMap { Double(trimmed($0)) }.map { Int64($0.rounded(.up)) }
            ?? headers["retry-after"].flatMap { retryAfter($0, nowUnixMs: nowUnixMs) }
        return snapshot
    }

    /// `Retry-After`: delay-seconds or an HTTP date. A date in the past means "now" (0).
    public static func retryAfter(_ value: String, nowUnixMs: Int64) -> Int64? {
        let text = trimmed(value)
        if let seconds = Double(text), seconds >= 0, seconds.isFinite { return Int64((seconds * 1000).rounded(.up)) }
        guard let date = HTTPDate.parse(text) else { return nil }
        return max(0, date - nowUnixMs)
    }

    /// A reset value: a Go-style duration ("1s", "6m0s", "20ms", "1h2m3.5s"), plain seconds ("30", "0.5"),
    /// a Unix timestamp in seconds or milliseconds, or an HTTP / RFC 3339 date.
    public static func resetDelay(_ value: String, nowUnixMs: Int64) -> Int64? {
        let text = trimmed(value)
        if let number = Double(text), number >= 0, number.isFinite {
            // Providers send either seconds-until-reset or an absolute epoch; epochs are huge.
            if number > 1e12 { return max(0, Int64(number) - nowUnixMs) }
            if number > 1e9 { return max(0, Int64(number * 1000) - nowUnixMs) }
            return Int64((number * 1000).rounded(.up))
        }
        if let duration = goDuration(text) { return duration }
        if let date = HTTPDate.parse(text) ?? HTTPDate.parseRFC3339(text) { return max(0, date - nowUnixMs) }
        return nil
    }

    /// Parses "1h2m3.5s", "6m0s", "250ms", "1.5s", "10us" into milliseconds (rounded up).
    public static func goDuration(_ text: String) -> Int64? {
        var totalMs = 0.0
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let numberStart = index
            while index < text.endIndex, text[index].isASCII, text[index].isNumber || text[index] == "." {
                index = text.index(after: index)
            }
            guard numberStart < index, let number = Double(text[numberStart..<index]) else { return nil }
            let unitStart = index
            while index < text.endIndex, text[index].isLetter { index = text.index(after: index) }
            let factor: Double
            switch text[unitStart..<index] {
            case "h": factor = 3_600_000
            case "m": factor = 60_000
            case "s": factor = 1000
            case "ms": factor = 1
            case "us", "µs", "μs": factor = 0.001
            case "ns": factor = 0.000_001
            default: return nil
            }
            totalMs += number * factor
            sawUnit = true
        }
        return sawUnit ? Int64(totalMs.rounded(.up)) : nil
    }

    static func count(_ value: String?) -> Int? {
        guard let value else { return nil }
        // Some gateways send "60, 60;w=60"; the first figure is the one that applies.
        let first = trimmed(value).split(whereSeparator: { $0 == "," || $0 == ";" }).first.map(String.init) ?? ""
        return Int(trimmed(first)).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Dates in HTTP headers, as Unix milliseconds, without Foundation.
public enum HTTPDate {
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and the obsolete RFC 850 form
    /// ("Sunday, 06-Nov-94 08:49:37 GMT"), which RFC 9110 asks recipients to accept.
    public static func parse(_ text: String) -> Int64? {
        var parts = text.split(separator: " ").map(String.init)
        guard !parts.isEmpty else { return nil }
        if parts[0].hasSuffix(",") { parts.removeFirst() }
        let day: Int?, month: Int?, year: Int?, clock: String
        if parts.count == 3, parts[0].contains("-") {
            let dateParts = parts[0].split(separator: "-")
            guard dateParts.count == 3 else { return nil }
            day = Int(dateParts[0])
            month = monthNames.firstIndex(of: dateParts[1].lowercased()).map { $0 + 1 }
            year = Int(dateParts[2]).map { $0 < 70 ? 2000 + $0 : ($0 < 100 ? 1900 + $0 : $0) }
            clock = parts[1]
            guard parts[2].uppercased() == "GMT" || parts[2].uppercased() == "UTC" else { return nil }
        } else if parts.count == 5 {
            day = Int(parts[0])
            month = monthNames.firstIndex(of: parts[1].lowercased()).map { $0 + 1 }
            year = Int(parts[2])
            clock = parts[3]
            guard parts[4].uppercased() == "GMT" || parts[4].uppercased() == "UTC" else { return nil }
        } else {
            return nil
        }
        guard let day, let month, let year, let seconds = secondsOfDay(clock) else { return nil }
        return unixMilliseconds(year: year, month: month, day: day, secondsOfDay: seconds)
    }

    /// "2026-11-22T06:01:02Z", "2026-11-22T06:01:02.5+01:00".
    public static func parseRFC3339(_ text: String) -> Int64? {
        let chars = Array(text)
        guard chars.count >= 20, chars[4] == "-", chars[7] == "-", chars[10] == "T" || chars[10] == "t",
            let year = Int(String(chars[0..<4])), let month = Int(String(chars[5..<7])),
            let day = Int(String(chars[8..<10])), let seconds = secondsOfDay(String(chars[11..<19]))
        else { return nil }
        var rest = chars[19...]
        var fractionMs = 0.0
        if rest.first == "." {
            rest = rest.dropFirst()
            var digits = ""
            while let c = rest.first, c.isNumber { digits.append(c); rest = rest.dropFirst() }
            guard !digits.isEmpty, let fraction = Double("0." + digits) else { return nil }
            fractionMs = fraction * 1000
        }
        var offsetSeconds = 0
        if rest.count == 1, rest.first == "Z" || rest.first == "z" {
            offsetSeconds = 0
        } else if rest.count == 6, let sign = rest.first, sign == "+" || sign == "-" {
            let zone = Array(rest)
            guard zone[3] == ":", let hours = Int(String(zone[1...2])), let minutes = Int(String(zone[4...5])) else {
                return nil
            }
            offsetSeconds = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        } else {
            return nil
        }
        guard let base = unixMilliseconds(year: year, month: month, day: day, secondsOfDay: seconds) else { return nil }
        return base + Int64(fractionMs) - Int64(offsetSeconds) * 1000
    }

    static func secondsOfDay(_ clock: String) -> Int? {
        let parts = clock.split(separator: ":")
        guard parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), let s = Int(parts[2]),
            (0...23).contains(h), (0...59).contains(m), (0...60).contains(s)
        else { return nil }
        return h * 3600 + m * 60 + s
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days-from-civil (Howard Hinnant), the inverse of `Formatting.timestamp`'s conversion.
    static func unixMilliseconds(year: Int, month: Int, day: Int, secondsOfDay: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return (Int64(days) * 86_400 + Int64(secondsOfDay)) * 1000
    }
}
