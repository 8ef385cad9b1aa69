#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TokenAudit
public import TokenCore

/// The audit events API's reads, from the chained files, without any lock (files are only
/// appended to, and a line is complete once its newline is there).
///
/// Bounded by the query's time window: only files whose span overlaps it are read (a file's
/// events end where the next file's begin), and a line is counted by looking at its bytes (the
/// time and entity fields sit at fixed places in the encoding); only the lines of the page
/// asked for are decoded.
struct AuditFileReader {
    let layout: AuditLayout
    /// The first event time of each file, kept across requests: a file's first line never
    /// changes once written (an empty file is asked again).
    let startTimes: AuditStartTimes

    func events(_ query: AuditQuery) throws(StoreError) -> AuditPage {
        let files = layout.files()
        var starts: [Int: String] = [:]
        for seq in files {
            if let known = startTimes.time(of: seq) {
                starts[seq] = known
            } else if let time = try firstTime(seq) {
                starts[seq] = time
                startTimes.remember(time, for: seq)
            }
        }
        let after = Array(query.createdAfter.iso8601.utf8)
        let before = Array(query.createdBefore.iso8601.utf8)
        var entity: [UInt8]?
        if let kind = query.entityKind {
            entity = Array(#""entity":{"type":"\#(kind.rawValue)","id":"#.utf8)
            if let id = query.entityID { entity! += Array("\(id)}".utf8) }
        }
        // The actor object as AuditEventCoding writes it: its user id comes first.
        let author = query.authorID.map { Array(#""actor":{"user_id":\#($0.rawValue),"#.utf8) }
        var total = 0
        var page: [StoredAuditEvent] = []
        for (index, seq) in files.enumerated().reversed() {
            // Skip files that end before the window or start after it.
            if let start = starts[seq], start > query.createdBefore.iso8601 { continue }
            if index + 1 < files.count, let next = starts[files[index + 1]], next < query.createdAfter.iso8601 { break }
            let path = layout.file(firstSeq: seq)
            let bytes = try FileIO.readAll(path)
            let complete = bytes[..<((bytes.lastIndex(of: 0x0A) ?? -1) + 1)]
            for line in complete.split(separator: 0x0A).reversed() {
                guard let time = Self.time(in: line), !time.lexicographicallyPrecedes(after), !before.lexicographicallyPrecedes(time)
                else { continue }
                if let entity, Self.range(of: entity, in: line) == nil { continue }
                if let author, Self.range(of: author, in: line) == nil { continue }
                if total >= query.offset && page.count < query.limit, let parsed = try? AuditChain.parse(line) {
                    page.append(StoredAuditEvent(id: parsed.seq, event: parsed.event))
                }
                total += 1
            }
        }
        return AuditPage(events: page, total: total)
    }

    func event(id: Int) throws(StoreError) -> StoredAuditEvent? {
        guard id > 0, let seq = layout.files().last(where: { $0 <= id }) else { return nil }
        let bytes = try FileIO.readAll(layout.file(firstSeq: seq))
        let needle = Array(#"{"seq":\#(id),"#.utf8)
        for line in bytes.split(separator: 0x0A) where line.starts(with: needle) {
            return (try? AuditChain.parse(line)).map { StoredAuditEvent(id: $0.seq, event: $0.event) }
        }
        return nil
    }

    /// The time of a file's first event, as written (ISO 8601, comparable as text).
    private func firstTime(_ seq: Int) throws(StoreError) -> String? {
        let path = layout.file(firstSeq: seq)
        let fd = try FileIO.open(path, O_RDONLY)
        defer { close(fd) }
        guard let line = try AuditLayout.firstLine(fd, path: path), let time = Self.time(in: line) else { return nil }
        return String(decoding: time, as: UTF8.self)
    }

    /// The event's `time` (24 bytes): the first `"time":"` of a line is the event's, since
    /// only numbers and the event name come before it.
    static func time(in line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let marker = Array(#""time":""#.utf8)
        guard let at = range(of: marker, in: line), at + marker.count + 24 <= line.endIndex else { return nil }
        return line[(at + marker.count)..<(at + marker.count + 24)]
    }

    static func range(of needle: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
        var offset: Int?
        line.withUnsafeBytes { (haystack: UnsafeRawBufferPointer) in
            needle.withUnsafeBytes { (pattern: UnsafeRawBufferPointer) in
                guard let base = haystack.baseAddress, let pointer = pattern.baseAddress,
                    let found = LineSearch.memmem(base, haystack.count, pointer, pattern.count)
                else { return }
                offset = UnsafeRawPointer(found) - base
            }
        }
        return offset.map { line.startIndex + $0 }
    }
}

/// The first event time of each audit file (bounded: one short string per file).
final class AuditStartTimes: Sendable {
    private let times = Mutex<[Int: String]>([:])

    func time(of seq: Int) -> String? { times.withLock { $0[seq] } }
    func remember(_ time: String, for seq: Int) { times.withLock { $0[seq] = time } }
}

extension JSONFileStore: AuditLogReading {
    /// A store failure answers as any other (503), never as an unexpected error.
    public func auditEvents(_ query: AuditQuery) throws -> AuditPage {
        do throws(StoreError) {
            return try AuditFileReader(layout: AuditLayout(layout), startTimes: auditStartTimes).events(query)
        } catch {
            throw error.repositoryError
        }
    }

    public func auditEvent(id: Int) throws -> StoredAuditEvent? {
        do throws(StoreError) {
            return try AuditFileReader(layout: AuditLayout(layout), startTimes: auditStartTimes).event(id: id)
        } catch {
            throw error.repositoryError
        }
    }
}
