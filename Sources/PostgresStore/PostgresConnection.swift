import CPostgres
#if canImport(Glibc)
import Glibc
#endif

/// One blocking libpq connection, used by one thread at a time (the pool hands it out).
///
/// Every wait is bounded: the connection attempt by libpq's `connect_timeout`, every answer by
/// a deadline this type polls the socket against. A connection that timed out, lost its server
/// or broke mid-protocol is marked ``isBroken`` and the pool drops it; the next request opens
/// a new one, so a database that comes back is used again without a restart.
final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    let location: String
    private(set) var isBroken = false
    /// Statements prepared on this connection, by name.
    private var prepared: Set<String> = []

    /// Connects with `parameters` (libpq keywords; `dbname` may hold the whole URL).
    init(parameters: [(String, String)], location: String) throws(PostgresError) {
        self.location = location
        let keywords = parameters.map { strdup($0.0) } + [nil]
        let values = parameters.map { strdup($0.1) } + [nil]
        defer {
            for pointer in keywords { free(pointer) }
            for pointer in values { free(pointer) }
        }
        let connection = keywords.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                PQconnectdbParams(
                    UnsafePointer(OpaquePointer(k.baseAddress!)), UnsafePointer(OpaquePointer(v.baseAddress!)), 1)
            }
        }
        guard let connection else {
            throw PostgresError(.unreachable, operation: "connect", location: location, detail: "out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(.unreachable, operation: "connect", location: location, detail: message)
        }
        handle = connection
    }

    deinit { PQfinish(handle) }

    // MARK: Queries

    @discardableResult
    /// Runs `sql` (one statement, its values bound as text parameters) and returns its result.
    func query(_ sql: SQL, timeoutMilliseconds: Int) throws(PostgresError) -> PostgresResult {
        let parameters = sql.binds
        let sent = withCStrings(parameters) { values in
            PQsendQueryParams(handle, sql.text, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard sent == 1 else { throw failure("query", unreachable: true) }
        return try single(try collect(timeoutMilliseconds: timeoutMilliseconds), "query")
    }

    /// Runs a statement prepared once per connection under `name` (`sql`'s text must be the
    /// same at every call; its values may differ).
    func prepared(_ name: String, _ sql: SQL, timeoutMilliseconds: Int) throws(PostgresError) -> PostgresResult {
        let parameters = sql.binds
        if !prepared.contains(name) {
            guard PQsendPrepare(handle, name, sql.text, Int32(parameters.count), nil) == 1 else { throw failure("prepare", unreachable: true) }
            _ = try single(try collect(timeoutMilliseconds: timeoutMilliseconds), "prepare")
            prepared.insert(name)
        }
        let sent = withCStrings(parameters) { values in
            PQsendQueryPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        guard sent == 1 else { throw failure("query", unreachable: true) }
        return try single(try collect(timeoutMilliseconds: timeoutMilliseconds), "query")
    }

    /// Runs several `;`-separated statements in one round trip (the simple protocol: no values,
    /// which ``SQLScript`` cannot hold); returns each statement's result, and throws the first
    /// error (PostgreSQL skips the statements after it).
    @discardableResult
    func script(_ sql: SQLScript, timeoutMilliseconds: Int) throws(PostgresError) -> [PostgresResult] {
        guard PQsendQuery(handle, sql.text) == 1 else { throw failure("query", unreachable: true) }
        let results = try collect(timeoutMilliseconds: timeoutMilliseconds)
        for result in results where !result.isSuccess { throw serverError(result, "query") }
        return results
    }

    /// `COPY … FROM STDIN`: sends `chunks` of COPY text lines and finishes the copy.
    func copy(_ sql: SQLScript, chunks: some Sequence<[UInt8]>, timeoutMilliseconds: Int) throws(PostgresError) {
        guard PQsendQuery(handle, sql.text) == 1 else { throw failure("copy", unreachable: true) }
        let started = try collect(timeoutMilliseconds: timeoutMilliseconds, untilCopy: true)
        guard let first = started.last, first.status == PGRES_COPY_IN else {
            throw started.first { !$0.isSuccess }?.error(operation: "copy", location: location)
                ?? PostgresError(.server, operation: "copy", location: location, detail: "the server did not start the copy")
        }
        for chunk in chunks {
            let sent = chunk.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
            }
            guard sent == 1 else { throw failure("copy", unreachable: true) }
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw failure("copy", unreachable: true) }
        _ = try single(try collect(timeoutMilliseconds: timeoutMilliseconds), "copy")
    }

    /// `COPY … TO STDOUT`: hands each CopyData message to `each` as it arrives (libpq's buffer,
    /// valid during the call), so the server produces rows while this thread decodes them, and
    /// no result holds them all. The whole copy is bounded by `timeoutMilliseconds`. A failure
    /// of `each` leaves the copy unfinished: the connection is marked broken and dropped.
    func copyOut(
        _ sql: SQLScript, timeoutMilliseconds: Int, _ each: (UnsafeBufferPointer<UInt8>) throws(PostgresError) -> Void
    ) throws(PostgresError) {
        let deadline = Self.now() + timeoutMilliseconds
        guard PQsendQuery(handle, sql.text) == 1 else { throw failure("copy", unreachable: true) }
        let started = try collect(timeoutMilliseconds: timeoutMilliseconds, untilCopy: true)
        guard let first = started.last, first.status == PGRES_COPY_OUT else {
            throw started.first { !$0.isSuccess }?.error(operation: "copy", location: location)
                ?? PostgresError(.server, operation: "copy", location: location, detail: "the server did not start the copy")
        }
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 1)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                do {
                    try each(UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: Int(length)))
                } catch {
                    isBroken = true
                    throw error
                }
                continue
            }
            if length == -1 { break }
            guard length == 0 else { throw failure("copy", unreachable: true) }
            try awaitInput(until: deadline, timeoutMilliseconds: timeoutMilliseconds)
        }
        _ = try single(try collect(timeoutMilliseconds: max(deadline - Self.now(), 1)), "copy")
    }

    // MARK: Waiting, bounded

    /// Reads every result of the query in flight, waiting at most `timeoutMilliseconds` in all.
    private func collect(timeoutMilliseconds: Int, untilCopy: Bool = false) throws(PostgresError) -> [PostgresResult] {
        let deadline = Self.now() + timeoutMilliseconds
        var results: [PostgresResult] = []
        while true {
            while PQisBusy(handle) == 0 {
                guard let next = PQgetResult(handle) else { return results }
                let result = PostgresResult(next)
                results.append(result)
                if untilCopy && (result.status == PGRES_COPY_IN || result.status == PGRES_COPY_OUT) { return results }
                if PQstatus(handle) == CONNECTION_BAD { throw failure("query", unreachable: true) }
            }
            try awaitInput(until: deadline, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    /// Waits until the server sent more (then reads it into libpq's buffer) or `deadline`
    /// passes, which throws "no answer within `timeoutMilliseconds` ms".
    private func awaitInput(until deadline: Int, timeoutMilliseconds: Int) throws(PostgresError) {
        let remaining = deadline - Self.now()
        guard remaining > 0 else { throw timedOut(timeoutMilliseconds) }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(min(remaining, Int(Int32.max))))
        if ready < 0 && errno != EINTR { throw failure("poll", unreachable: true) }
        if ready == 0 { throw timedOut(timeoutMilliseconds) }
        guard PQconsumeInput(handle) == 1 else { throw failure("query", unreachable: true) }
    }

    private func single(_ results: [PostgresResult], _ operation: String) throws(PostgresError) -> PostgresResult {
        for result in results where !result.isSuccess { throw serverError(result, operation) }
        guard let last = results.last else {
            throw PostgresError(.server, operation: operation, location: location, detail: "no result")
        }
        return last
    }

    /// The server's error. A server that is read-only (25006: a standby, or a primary that was
    /// demoted) stays so: the connection is dropped, and the next one asks libpq again, which
    /// may find the server that accepts writes.
    private func serverError(_ result: PostgresResult, _ operation: String) -> PostgresError {
        let error = result.error(operation: operation, location: location)
        if error.sqlState == "25006" { isBroken = true }
        return error
    }

    private func timedOut(_ milliseconds: Int) -> PostgresError {
        isBroken = true
        return PostgresError(.unreachable, operation: "query", location: location, detail: "no answer within \(milliseconds) ms")
    }

    /// The connection's own error; `unreachable` marks the connection broken.
    private func failure(_ operation: String, unreachable: Bool) -> PostgresError {
        if unreachable || PQstatus(handle) == CONNECTION_BAD { isBroken = true }
        return PostgresError(
            isBroken ? .unreachable : .server, operation: operation, location: location, detail: Self.message(PQerrorMessage(handle)))
    }

    /// False when the server has closed the connection or said something while it was idle (a
    /// restart terminates every session with a message): one `poll`, no round trip. An idle
    /// connection that passes may still fail at its next query; the request then gets a 503.
    var isAliveWhileIdle: Bool {
        guard !isBroken, PQstatus(handle) == CONNECTION_OK else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return true }
        isBroken = true
        return false
    }

    /// True inside a transaction block.
    var inTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// True when the connection still talks to its server and holds no transaction.
    var isReusable: Bool { !isBroken && PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE }

    static func message(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "unknown error" }
        var text = String(cString: pointer)
        while text.last?.isNewline == true || text.last == " " { text.removeLast() }
        return text.split(separator: "\n").joined(separator: "; ")
    }

    static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1000 + time.tv_nsec / 1_000_000
    }

    private func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        let pointers = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in pointers { free(pointer) } }
        return pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

/// One result of a statement: its status and rows, read cell by cell without copying the lot.
final class PostgresResult {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQclear(handle) }

    var status: ExecStatusType { PQresultStatus(handle) }
    var isSuccess: Bool {
        let status = self.status
        return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN || status == PGRES_COPY_OUT
            || status == PGRES_EMPTY_QUERY
    }
    var rowCount: Int { Int(PQntuples(handle)) }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    func string(_ row: Int, _ column: Int) -> String? {
        guard !isNull(row, column) else { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    func int(_ row: Int, _ column: Int) -> Int? {
        withBytes(row, column) { PostgresResult.parseInt($0) } ?? nil
    }

    /// A decimal integer, optionally negative; nil for anything else.
    static func parseInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var value = 0
        var negative = false
        var start = 0
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            start = 1
        }
        guard bytes.count > start else { return nil }
        for index in start..<bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int(digit)
        }
        return negative ? -value : value
    }

    /// The cell's bytes (text format), without a String in between.
    func withBytes<R>(_ row: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard !isNull(row, column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { body(UnsafeBufferPointer(start: $0, count: length)) }
    }

    func bool(_ row: Int, _ column: Int) -> Bool { string(row, column) == "t" }

    func error(operation: String, location: String) -> PostgresError {
        let state = PQresultErrorField(handle, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let primary = PQresultErrorField(handle, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
        return PostgresError(
            .server, operation: operation, location: location, sqlState: state,
            detail: primary ?? PostgresConnection.message(PQresultErrorMessage(handle)))
    }
}
