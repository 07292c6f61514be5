import Synchronization

/// A new API token waiting to be shown once on the settings page after the Post/Redirect/Get hop.
/// Kept in memory only, keyed by the browser session that created it: the token never goes into a
/// URL, a cookie or the database, and reading it removes it. A note not read within `lifetime`
/// milliseconds is dropped; a restart drops every note (the token still works, it is just not shown).
final class OneTimeTokenNotes: Sendable {
    struct Note: Sendable, Equatable {
        let name: String
        let token: String
    }

    private struct Entry {
        let note: Note
        let expiresAt: Int64
    }

    private let entries = Mutex<[Int64: Entry]>([:])
    let lifetime: Int64

    init(lifetimeMilliseconds: Int64 = 10 * 60 * 1000) {
        lifetime = lifetimeMilliseconds
    }

    func leave(_ note: Note, forSession sessionID: Int64, now: Int64) {
        entries.withLock { entries in
            entries = entries.filter { $0.value.expiresAt > now }
            entries[sessionID] = Entry(note: note, expiresAt: now + lifetime)
        }
    }

    /// The session's note, once: a second call returns nil.
    func take(forSession sessionID: Int64, now: Int64) -> Note? {
        entries.withLock { entries in
            guard let entry = entries.removeValue(forKey: sessionID), entry.expiresAt > now else { return nil }
            return entry.note
        }
    }
}
