/// Remembers, per 64-bit content hash, the first line it was seen on (duplicate detection).
///
/// Open addressing with linear probing, indexed directly by the hash: `ContentHash` output is already
/// well mixed, so this skips the second (SipHash) hashing a `Dictionary` would do on every row.
/// A slot stores `line + 1`, so 0 marks an empty slot whatever line numbers the caller uses.
struct FirstLineIndex {
    private struct Slot {
        var hash: UInt64
        var linePlusOne: Int
    }

    private var slots: [Slot]
    private(set) var count = 0

    init(initialCapacity: Int = 1024) {
        var capacity = 16
        while capacity < initialCapacity { capacity <<= 1 }
        slots = Array(repeating: Slot(hash: 0, linePlusOne: 0), count: capacity)
    }

    /// The line `hash` was first seen on; if it is new, records `line` for it and returns nil.
    mutating func firstLine(for hash: UInt64, recording line: Int) -> Int? {
        if (count &+ 1) &* 4 > slots.count &* 3 { grow() }
        let found: Int? = slots.withUnsafeMutableBufferPointer { buffer in
            let mask = buffer.count &- 1
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = buffer[index]
                if slot.linePlusOne == 0 {
                    buffer[index] = Slot(hash: hash, linePlusOne: line &+ 1)
                    return nil
                }
                if slot.hash == hash { return slot.linePlusOne &- 1 }
                index = (index &+ 1) & mask
            }
        }
        if found == nil { count &+= 1 }
        return found
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(hash: 0, linePlusOne: 0), count: old.count * 2)
        count = 0
        for slot in old where slot.linePlusOne != 0 { _ = firstLine(for: slot.hash, recording: slot.linePlusOne &- 1) }
    }
}
