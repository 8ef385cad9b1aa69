package import JSON
package import TokenAudit
package import TokenCore

/// The seal of an audit event in the journal: HMAC-SHA256 under the audit key of the journal
/// sequence number and the event's bytes, written by the store in the same journal line
/// (`{"kind":"audit",…,"seal":"<64 hex>","seq":N}`).
///
/// The journal is the durable copy of an event until it is chained into `audit/`; events that a
/// crashed writer left there are carried into the chain later (by the next write, a start, a
/// compaction, `tokend audit verify`). Only a sealed event is carried: a record appended to the
/// journal by hand, without the key, has no valid seal, and is reported instead of being signed
/// into the chain. Journals of releases before the seal hold unsealed events; those already in
/// the chain are fine, and any that are not are reported too.
package enum AuditJournalSeal {
    package static func seal(_ event: AuditEvent, seq: Int, key: AuditChain.Key) -> String {
        seal(eventJSON: AuditEventCoding.bytes(event), seq: seq, key: key)
    }

    /// The seal of an event already written as JSON (``AuditEventCoding/bytes(_:)``).
    package static func seal(eventJSON: [UInt8], seq: Int, key: AuditChain.Key) -> String {
        var signed = Array("tokend journal audit \(seq) ".utf8)
        signed.append(contentsOf: eventJSON)
        return key.mac(signed)
    }

    /// Whether the journal line `value` (already decoded to `event`, number `seq`) carries the
    /// store's seal.
    package static func isSealed(_ value: JSONValue, event: AuditEvent, seq: Int, key: AuditChain.Key) -> Bool {
        guard let seal = value["seal"]?.stringValue, seal.utf8.count == 64 else { return false }
        return constantTimeEqual(Array(seal.utf8), Array(Self.seal(event, seq: seq, key: key).utf8))
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
