/// Splits a byte stream arriving in arbitrary chunks into physical lines (separated by `\n`).
///
/// Complete lines inside a chunk are handed out without copying; only a line that straddles chunks is
/// copied into an internal buffer, which never grows beyond `maxLineBytes`. A longer line is reported
/// once as `.overlong` and the rest of it is skipped without being stored.
/// Trailing `\r`, a byte-order mark and blank lines are left to the consumer (`StreamingValidator`).
public struct JSONLLineSplitter {
    public enum Event {
        /// A line without its `\n`. The bytes are valid only until the next call to the splitter.
        case line(UnsafeRawBufferPointer, number: Int)
        /// A line longer than the limit; `byteCount` is its full length without the `\n`.
        case overlong(number: Int, byteCount: Int)
    }

    public let maxLineBytes: Int
    /// Physical lines handed out so far.
    public private(set) var lineCount = 0
    private let carry: ByteBuffer
    private var carryWasHandedOut = false
    private var skippingOverlong = false
    private var skippedBytes = 0

    public init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
        carry = ByteBuffer()
    }

    /// Returns the next complete line in `chunk` at or after `cursor` and advances the cursor past it;
    /// returns nil once the chunk is used up (a trailing partial line is kept for the next chunk).
    public mutating func next(in chunk: UnsafeRawBufferPointer, cursor: inout Int) -> Event? {
        if carryWasHandedOut {
            carry.removeAll()
            carryWasHandedOut = false
        }
        guard let base = chunk.baseAddress, cursor < chunk.count else { return nil }
        let start = cursor
        let newline = Self.firstNewline(base.assumingMemoryBound(to: UInt8.self), from: start, to: chunk.count)
        guard let newline else {
            absorbPartial(UnsafeRawBufferPointer(rebasing: chunk[start...]))
            cursor = chunk.count
            return nil
        }
        cursor = newline + 1
        let segment = UnsafeRawBufferPointer(rebasing: chunk[start..<newline])
        return completeLine(segment)
    }

    /// Call at end of input: returns the last line if the input did not end with `\n`.
    public mutating func finish() -> Event? {
        if carryWasHandedOut {
            carry.removeAll()
            carryWasHandedOut = false
        }
        if skippingOverlong {
            return completeLine(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        if carry.count > 0 {
            return completeLine(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return nil
    }

    private mutating func absorbPartial(_ bytes: UnsafeRawBufferPointer) {
        if skippingOverlong {
            skippedBytes += bytes.count
        } else if carry.count + bytes.count > maxLineBytes {
            skippingOverlong = true
            skippedBytes = carry.count + bytes.count
            carry.removeAll()
        } else {
            carry.append(bytes)
        }
    }

    private mutating func completeLine(_ segment: UnsafeRawBufferPointer) -> Event {
        lineCount += 1
        if skippingOverlong {
            let total = skippedBytes + segment.count
            skippingOverlong = false
            skippedBytes = 0
            return .overlong(number: lineCount, byteCount: total)
        }
        if carry.count > 0 {
            let total = carry.count + segment.count
            if total > maxLineBytes {
                carry.removeAll()
                return .overlong(number: lineCount, byteCount: total)
            }
            carry.append(segment)
            carryWasHandedOut = true
            return .line(carry.bytes, number: lineCount)
        }
        if segment.count > maxLineBytes {
            return .overlong(number: lineCount, byteCount: segment.count)
        }
        return .line(segment, number: lineCount)
    }

    /// Word-at-a-time search for `\n`.
    @inline(__always)
    static func firstNewline(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var i = start
        let raw = UnsafeRawPointer(base)
        let newlines = SWAR.broadcast(0x0A)
        // 32 bytes per step while no word holds a newline (a false positive only sits above a true hit,
        // so the OR is exact); the 8-byte loop below then pins the position.
        while i &+ 32 <= end {
            let a = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ newlines
            let b = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)) ^ newlines
            let c = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self)) ^ newlines
            let d = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self)) ^ newlines
            if SWAR.zeroBytes(a) | SWAR.zeroBytes(b) | SWAR.zeroBytes(c) | SWAR.zeroBytes(d) != 0 { break }
            i &+= 32
        }
        while i + 8 <= end {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let hits = SWAR.zeroBytes(word ^ SWAR.broadcast(0x0A))
            if hits != 0 { return i + hits.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < end {
            if base[i] == 0x0A { return i }
            i += 1
        }
        return nil
    }
}

/// A growable byte buffer with a stable address between appends, owned by a class so that the
/// splitter (a struct) can hand out pointers into it.
final class ByteBuffer {
    private(set) var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var count = 0

    init(initialCapacity: Int = 64 << 10) {
        capacity = initialCapacity
        storage = .allocate(byteCount: initialCapacity, alignment: 8)
    }

    deinit { storage.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    func removeAll() { count = 0 }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        let needed = count + bytes.count
        if needed > capacity {
            var newCapacity = capacity * 2
            while newCapacity < needed { newCapacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
            grown.copyMemory(from: storage, byteCount: count)
            storage.deallocate()
            storage = grown
            capacity = newCapacity
        }
        (storage + count).copyMemory(from: source, byteCount: bytes.count)
        count = needed
    }
}

/// Bit tricks that test 8 bytes at once ("SIMD within a register").
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    @inline(__always) static func broadcast(_ byte: UInt8) -> UInt64 { UInt64(byte) &* ones }

    /// High bit set in each byte of `x` that is zero. Bytes above the first hit may be false positives
    /// (borrow propagation), so only the lowest set bit is meaningful.
    @inline(__always) static func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }

    /// How many bytes of `x` have their high bit set, given no other bit is set. Summing the bytes with
    /// one multiply is cheaper than `nonzeroBitCount`, which baseline x86-64 (no POPCNT) does in software.
    @inline(__always) static func countHighBits(_ x: UInt64) -> Int {
        Int(truncatingIfNeeded: ((x &>> 7) &* ones) &>> 56)
    }

    /// High bit set in each byte below `n` (n ≤ 128); same caveat as `zeroBytes`.
    @inline(__always) static func bytesBelow(_ x: UInt64, _ n: UInt8) -> UInt64 { (x &- broadcast(n)) & ~x & highs }

    /// High bit set in each byte that ends a plain run inside a JSON string: '"', '\\' or a control byte
    /// (< 0x20); non-ASCII bytes do not count. Only the lowest set bit is exact (see `zeroBytes`).
    @inline(__always) static func stringStops(_ x: UInt64) -> UInt64 {
        let quotes = x ^ broadcast(0x22)
        let backslashes = x ^ broadcast(0x5C)
        return (((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes) | ((x &- broadcast(0x20)) & ~x)) & highs
    }

    /// For a word holding no string stop: how many leading bytes (5...8) form complete, well-formed UTF-8
    /// sequences (Unicode Table 3-7), leaving a sequence cut off by the end of the word for the next
    /// word; 0 when some sequence is malformed (the byte-by-byte path then finds and reports it).
    /// Branch-free, so text mixing ASCII and accents or CJK does not stall on every code point.
    @inline(__always) static func wellFormedUTF8Prefix(_ x: UInt64) -> Int {
        let high = x & highs
        let bit6 = (x &<< 1) & highs
        let bit5 = (x &<< 2) & highs
        let bit4 = (x &<< 3) & highs
        let bit3 = (x &<< 4) & highs
        let bit2 = (x &<< 5) & highs
        let bit1 = (x &<< 6) & highs
        let bit0 = (x &<< 7) & highs
        let continuation = high & ~bit6
        var lead = high & bit6
        // Sequences running past the word start at byte 7 (any lead), 6 (3- or 4-byte) or 5 (4-byte).
        let cut = (lead & (0x80 &<< 56)) | (lead & bit5 & (0x80 &<< 48)) | (lead & bit5 & bit4 & (0x80 &<< 40))
        let length = cut == 0 ? 8 : cut.trailingZeroBitCount &>> 3
        let kept: UInt64 = cut == 0 ? ~0 : (1 &<< UInt64(truncatingIfNeeded: length &* 8)) &- 1
        lead &= kept
        let lead3 = lead & bit5
        let lead4 = lead3 & bit4
        // Every continuation byte must be exactly where some lead expects one, and vice versa; an
        // overlap of two sequences puts a lead where a continuation is expected, so it shows up too.
        let expected = (lead &<< 8) | (lead3 &<< 16) | (lead4 &<< 24)
        var bad = expected ^ (continuation & kept)
        // C0 and C1 (overlong), F5...FF (above U+10FFFF), and the four leads with a narrower second byte.
        bad |= lead & ~(bit5 | bit4 | bit3 | bit2 | bit1)
        bad |= lead4 & (bit3 | (bit2 & (bit1 | bit0)))
        let isE0 = lead3 & ~(bit4 | bit3 | bit2 | bit1 | bit0)
        let isED = lead3 & ~bit4 & bit3 & bit2 & ~bit1 & bit0
        let isF0 = lead4 & ~(bit3 | bit2 | bit1 | bit0)
        let isF4 = lead4 & ~bit3 & bit2 & ~bit1 & ~bit0
        bad |= (isE0 &<< 8) & ~bit5
        bad |= (isED &<< 8) & bit5
        bad |= (isF0 &<< 8) & ~(bit5 | bit4)
        bad |= (isF4 &<< 8) & (bit5 | bit4)
        return bad == 0 ? length : 0
    }

    /// High bit set in each byte a JSON string scan must stop at: '"', '\\', a control byte (< 0x20) or a
    /// non-ASCII byte (>= 0x80). Same caveat as `zeroBytes`: only the lowest set bit is exact, since a
    /// borrow can only start at a byte that is itself a hit.
    @inline(__always) static func stringSpecials(_ x: UInt64) -> UInt64 {
        let quotes = x ^ broadcast(0x22)
        let backslashes = x ^ broadcast(0x5C)
        // (x - 0x20…) | x has the high bit for bytes below 0x20 and for bytes >= 0x80.
        return (((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes) | (x &- broadcast(0x20)) | x) & highs
    }
}

extension JSONLLineSplitter {
    /// Bytes held for a line that straddles chunks (never more than `maxLineBytes`).
    var bufferedByteCount: Int { carryWasHandedOut ? 0 : carry.count }
}
