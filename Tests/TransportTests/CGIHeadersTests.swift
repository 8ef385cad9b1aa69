import HTTPTypes
import Testing
import TokenAPI

@testable import FastCGIServer

/// A transport's request keeps the web server's `HTTP_*` bytes and makes a header of them only
/// when a handler asks (``CGIHeaders``). Every answer must be the one the request gave when
/// every header became an ``HTTPField`` up front: the reference below is that construction.
struct CGIHeadersTests {
    /// The header fields the transport built before: the first parameter of each CGI name,
    /// named with `_` as `-` and letters lowercased, skipped when that is no field name;
    /// `CONTENT_TYPE`, when not empty, in place of any `Content-Type`.
    static func reference(_ pairs: [(String, String)]) -> HTTPFields {
        var seen: [Substring] = []
        var fields = HTTPFields()
        for (name, value) in pairs where name.hasPrefix("HTTP_") {
            let cgiName = name.dropFirst(5)
            guard !seen.contains(cgiName) else { continue }
            seen.append(cgiName)
            let mapped = String(cgiName.map { $0 == "_" ? "-" : Character($0.lowercased()) })
            guard let fieldName = HTTPField.Name(mapped) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        if let type = pairs.first(where: { $0.0 == "CONTENT_TYPE" })?.1, !type.isEmpty { fields[.contentType] = type }
        return fields
    }

    static func request(_ pairs: [(String, String)]) throws -> APIRequest {
        try CGIParameters(pairs: [("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/api/v4/user")] + pairs).request(body: []).get()
    }

    static let names: [HTTPField.Name] = [
        .privateToken, .authorization, .sudo, .contentType, .contentLength, .cookie, .userAgent, .origin, .referer,
        HTTPField.Name("Job-Token")!, HTTPField.Name("Deploy-Token")!, HTTPField.Name("X-Remote-User")!,
        HTTPField.Name("X-Forwarded-Uri")!, HTTPField.Name("X_Foo")!, HTTPField.Name("x-foo")!, HTTPField.Name("X-Tokend-User-Id")!,
    ]

    static let cases: [[(String, String)]] = [
        [("HTTP_PRIVATE_TOKEN", "glpat-abc"), ("HTTP_HOST", "tokend.example"), ("HTTP_USER_AGENT", "curl/8")],
        // the first of duplicates wins, as FCGX_GetParam has it
        [("HTTP_PRIVATE_TOKEN", "first"), ("HTTP_PRIVATE_TOKEN", "second"), ("HTTP_SUDO", "alice")],
        // Authorization reaches the application; so do GitLab's other token headers
        [("HTTP_AUTHORIZATION", "Bearer glpat-x"), ("HTTP_JOB_TOKEN", "j"), ("HTTP_DEPLOY_TOKEN", "gldt-d")],
        // CONTENT_TYPE has no prefix and stands for any Content-Type header; CONTENT_LENGTH is no header
        [("CONTENT_TYPE", "application/json"), ("HTTP_CONTENT_TYPE", "text/plain"), ("CONTENT_LENGTH", "12"), ("HTTP_CONTENT_LENGTH", "12")],
        [("CONTENT_TYPE", ""), ("HTTP_CONTENT_TYPE", "text/plain")],
        [("CONTENT_TYPE", "application/x-www-form-urlencoded")],
        // two CGI spellings of one field name are two fields (joined; `; ` for cookies)
        [("HTTP_COOKIE", "a=1"), ("HTTP_cookie", "b=2"), ("HTTP_COOKIE", "c=3"), ("HTTP_X_FOO", "1"), ("HTTP_x_foo", "2")],
        // values are legalized as HTTPField does it; a name that is no field name is no header
        [("HTTP_SUDO", " alice "), ("HTTP_X{Y", "1"), ("HTTP_", "empty"), ("HTTP_X_A", "tab\there\u{7F}"), ("HTTP_X_B", "é")],
        // a header a client cannot pass for the gate's
        [("HTTP_X_TOKEND_USER_ID", "1")], [("HTTP_X_TOKEND_", "1")], [("HTTP_X_TOKENDX", "1")], [("HTTP_x_tokend_admin", "1")],
        [],
    ]

    @Test(arguments: cases.indices)
    func everyLookupAnswersAsHTTPFieldsDid(_ index: Int) throws {
        let pairs = Self.cases[index]
        let expected = Self.reference(pairs)
        let headers = try Self.request(pairs).headers
        #expect(headers.fields == expected)
        for name in Self.names {
            #expect(headers[name] == expected[name], "\(name)")
            #expect(headers[values: name] == expected[values: name], "\(name)")
        }
        for prefix in ["x-tokend-", "content-", "private-"] {
            #expect(headers.containsName(longerThan: Array(prefix.utf8)) == RequestHeaders(expected).containsName(longerThan: Array(prefix.utf8)))
        }
    }

    /// Many copies of one header: the first counts, and looking it up stays linear.
    @Test func duplicatesKeepTheFirst() throws {
        let pairs = (0..<5_000).map { ("HTTP_PRIVATE_TOKEN", "t\($0)") } + [("HTTP_private_token", "other")]
        let headers = try Self.request(pairs).headers
        #expect(headers[.privateToken] == Self.reference(pairs)[.privateToken])
        #expect(headers[values: .privateToken] == ["t0", "other"])
    }

    @Test func identityHeadersAreFoundInTheCGIBytes() throws {
        let prefix = Array("x-tokend-".utf8)
        #expect(try Self.request([("HTTP_X_TOKEND_USER_ID", "1")]).headers.containsName(longerThan: prefix))
        #expect(try Self.request([("HTTP_ACCEPT", "*/*"), ("HTTP_x_Tokend_Bot", "1")]).headers.containsName(longerThan: prefix))
        #expect(try !Self.request([("HTTP_X_TOKEND_", "1")]).headers.containsName(longerThan: prefix))
        #expect(try !Self.request([("HTTP_X_TOKENDX", "1"), ("HTTP_PRIVATE_TOKEN", "t")]).headers.containsName(longerThan: prefix))
    }

    /// Only a header that would have been one refuses the request: a CR or LF in a duplicate
    /// (dropped) or under a name that is no field name (skipped) never reached a response.
    @Test func lineBreaksRefuseOnlyHeadersThatCount() throws {
        #expect(throws: HTTPError.self) { try Self.request([("HTTP_SUDO", "a\r\nb")]) }
        #expect(throws: HTTPError.self) { try Self.request([("HTTP_SUDO", "a"), ("HTTP_sudo", "b\n")]) }
        #expect(throws: HTTPError.self) { try Self.request([("CONTENT_TYPE", "text/plain\n")]) }
        #expect(try Self.request([("HTTP_SUDO", "a"), ("HTTP_SUDO", "b\r\nc")]).headers[.sudo] == "a")
        #expect(try Self.request([("HTTP_X{Y", "b\r\nc")]).headers.fields.isEmpty)
    }

    /// The FastCGI path: `NAME=value` entries as libfcgi hands them over, bytes that are not
    /// UTF-8 repaired as `String(cString:)` did.
    @Test func rawEntriesAreCopiedAsSent() throws {
        var parameters = CGIParameters()
        for entry: [UInt8] in [Array("REQUEST_METHOD=GET".utf8), Array("REQUEST_URI=/api/v4/user".utf8), Array("HTTP_PRIVATE_TOKEN=glpat-1".utf8),
            Array("HTTP_X_BYTES=a".utf8) + [0xFF, 0x62], Array("HTTP_PRIVATE_TOKEN=glpat-2".utf8), Array("HTTP_NOVALUE".utf8)]
        {
            (entry.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { parameters.add(entry: $0.baseAddress!) }
        }
        let headers = try parameters.request(body: []).get().headers
        #expect(headers[.privateToken] == "glpat-1")
        #expect(headers[HTTPField.Name("X-Bytes")!] == String(decoding: [0x61, 0xFF, 0x62] as [UInt8], as: UTF8.self))
        #expect(headers.fields.count == 2)
    }
}
