/// Every token, by id and by digest, in as little memory as a million of them allow.
///
/// Ids are handed out in order from 1, so the records sit in one array indexed by id (a
/// dictionary spent twice the room on empty buckets); an id far outside that range goes to a
/// small dictionary instead. The digest index is an open-addressing table of ids (4 bytes a
/// slot, linear probing), hashed by the digest's first 64 bits: digests are HMAC outputs under
/// a secret key, so those bits are uniform and nobody can choose them.
public struct TokenTable: Sendable {
    /// `slots[i]` holds token id `i + 1`.
    private var slots: [AccessToken?] = []
    private var sparse: [TokenID: AccessToken] = [:]
    /// Token ids (0: empty), at the digest's hash, probed forward; length a power of two.
    private var digestSlots: [UInt32] = []
    /// Digests of tokens whose id does not fit a slot (beyond UInt32).
    private var sparseDigests: [TokenDigest: TokenID] = [:]
    public private(set) var count = 0
    /// While loading: digests are indexed all at once at the end (``buildDigestIndex()``).
    private var digestsDeferred = false

    public var isEmpty: Bool { count == 0 }

    init() {}

    public subscript(id: TokenID) -> AccessToken? {
        if let index = slotIndex(id), index < slots.count, let token = slots[index] { return token }
        return sparse.isEmpty ? nil : sparse[id]
    }

    /// The token holding `digest`.
    public func token(digest: TokenDigest) -> AccessToken? {
        if let id = sparseDigests[digest] { return self[id] }
        guard !digestSlots.isEmpty else { return nil }
        let mask = digestSlots.count - 1
        var slot = Self.home(digest, mask)
        while digestSlots[slot] != 0 {
            if let token = self[TokenID(Int(digestSlots[slot]))], token.digest == digest { return token }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Stops indexing digests one by one until ``buildDigestIndex()``: for a bulk load, where
    /// a million inserts at random places in the index, each between two record decodes,
    /// waited on memory one at a time. Lookups by digest must wait for the build.
    mutating func deferDigestIndex() {
        digestsDeferred = true
    }

    /// Indexes every digest in one pass: one tight loop of independent stores, which the
    /// processor overlaps.
    mutating func buildDigestIndex() {
        digestsDeferred = false
        var size = 16
        while size < count * 2 { size <<= 1 }
        var table = [UInt32](repeating: 0, count: size)
        var sparseTable: [TokenDigest: TokenID] = [:]
        let mask = size - 1
        slots.withUnsafeBufferPointer { records in
            table.withUnsafeMutableBufferPointer { table in
                for index in records.indices {
                    guard let digest = records[index]?.digest else { continue }
                    var slot = Self.home(digest, mask)
                    while table[slot] != 0 { slot = (slot + 1) & mask }
                    table[slot] = UInt32(index + 1)
                }
            }
        }
        for (id, token) in sparse {
            if slotIndex(id) == nil {
                sparseTable[token.digest] = id
            } else {
                var slot = Self.home(token.digest, mask)
                while table[slot] != 0 { slot = (slot + 1) & mask }
                table[slot] = UInt32(id.rawValue)
            }
        }
        digestSlots = table
        sparseDigests = sparseTable
    }

    /// Room for `capacity` tokens with ids from 1 without growing.
    mutating func reserveCapacity(_ capacity: Int) {
        slots.reserveCapacity(capacity)
        if !digestsDeferred, digestSlots.count < capacity * 2 { rehash(capacity: capacity * 2) }
    }

    /// Stores `token` under `id` (nil removes it); returns what was there.
    @discardableResult
    mutating func replace(_ id: TokenID, with token: consuming AccessToken?) -> AccessToken? {
        if let digest = token?.digest, sparse.isEmpty, let index = slotIndex(id), index == slots.count {
            // The next id, as when loading or creating: nothing to look up or take out, and
            // the record moves in without a copy.
            slots.append(token)
            count += 1
            insertDigest(digest, id: id)
            return nil
        }
        let old = self[id]
        if let old { removeDigest(old.digest, id: id) }
        let digest = token?.digest
        if !sparse.isEmpty, sparse[id] != nil {
            sparse[id] = token
        } else if let index = slotIndex(id), index < slots.count || (digest != nil && index <= slots.count + slots.count / 2 + 1024) {
            if index > slots.count { slots.append(contentsOf: repeatElement(nil, count: index - slots.count)) }
            if index == slots.count {
                slots.append(token)
            } else {
                slots[index] = token
            }
        } else if digest != nil {
            sparse[id] = token
        }
        count += (digest == nil ? 0 : 1) - (old == nil ? 0 : 1)
        if let digest { insertDigest(digest, id: id) }
        return old
    }

    // MARK: Digest index

    /// Where id's record sits in `slots` (if that far), and whether the digest index can hold it.
    private func slotIndex(_ id: TokenID) -> Int? {
        id.rawValue >= 1 && id.rawValue <= Int(UInt32.max) ? id.rawValue - 1 : nil
    }

    private static func home(_ digest: TokenDigest, _ mask: Int) -> Int { Int(truncatingIfNeeded: digest.leadingWord) & mask }

    private mutating func insertDigest(_ digest: TokenDigest, id: TokenID) {
        guard !digestsDeferred else { return }
        guard slotIndex(id) != nil else {
            sparseDigests[digest] = id
            return
        }
        if (count + 1) * 2 > digestSlots.count { rehash(capacity: max(16, digestSlots.count * 2)) }
        let mask = digestSlots.count - 1
        var slot = Self.home(digest, mask)
        while digestSlots[slot] != 0 { slot = (slot + 1) & mask }
        digestSlots[slot] = UInt32(id.rawValue)
    }

    /// Backward-shift deletion: later entries of the probe run move up into the hole, so no
    /// lookup ever stops early at it.
    private mutating func removeDigest(_ digest: TokenDigest, id: TokenID) {
        guard !digestsDeferred else { return }
        guard slotIndex(id) != nil else {
            sparseDigests[digest] = nil
            return
        }
        guard !digestSlots.isEmpty else { return }
        let mask = digestSlots.count - 1
        var hole = Self.home(digest, mask)
        while digestSlots[hole] != UInt32(id.rawValue) {
            guard digestSlots[hole] != 0 else { return }
            hole = (hole + 1) & mask
        }
        digestSlots[hole] = 0
        var next = (hole + 1) & mask
        while digestSlots[next] != 0 {
            let entry = digestSlots[next]
            let home = Self.home(self[TokenID(Int(entry))]!.digest, mask)
            // Move the entry into the hole unless its home lies cyclically in (hole, next].
            let stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if !stays {
                digestSlots[hole] = entry
                digestSlots[next] = 0
                hole = next
            }
            next = (next + 1) & mask
        }
    }

    private mutating func rehash(capacity: Int) {
        var size = 16
        while size < capacity { size <<= 1 }
        let old = digestSlots
        digestSlots = [UInt32](repeating: 0, count: size)
        let mask = size - 1
        for entry in old where entry != 0 {
            var slot = Self.home(self[TokenID(Int(entry))]!.digest, mask)
            while digestSlots[slot] != 0 { slot = (slot + 1) & mask }
            digestSlots[slot] = entry
        }
    }
}
