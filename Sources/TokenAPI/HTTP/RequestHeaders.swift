public import HTTPTypes

/// A request's header fields as handlers read them: by name, case ignored, with the answers
/// ``HTTPFields`` gives. A transport's request keeps the web server's bytes (``CGIHeaders``)
/// and makes Strings of only the headers a handler asks for; a request built from
/// ``HTTPFields`` (tests, ``APIRequest/head``) reads those.
public struct RequestHeaders: Sendable {
    private enum Storage: Sendable {
        case fields(HTTPFields)
        case cgi(CGIHeaders)
    }

    private var storage: Storage

    public init(_ fields: HTTPFields = [:]) { storage = .fields(fields) }

    public init(cgi: CGIHeaders) { storage = .cgi(cgi) }

    /// The value of the header `name`, several joined as ``HTTPFields`` joins them (`, `, or
    /// `; ` for `Cookie`); nil when the request has none.
    public subscript(name: HTTPField.Name) -> String? {
        switch storage {
        case .fields(let fields): fields[name]
        case .cgi(let cgi): cgi.value(named: name)
        }
    }

    /// Each value of the header `name`, in the order sent.
    public subscript(values name: HTTPField.Name) -> [String] {
        switch storage {
        case .fields(let fields): return fields[values: name]
        case .cgi(let cgi):
            var values: [String] = []
            cgi.forEachValue(named: name) { values.append($0) }
            return values
        }
    }

    /// Whether the request has a header whose name, case ignored and `_` read as `-`, is longer
    /// than `prefix` and starts with it (`prefix` lowercase, with `-`). Reads at most
    /// `prefix.count` bytes of each name.
    public func containsName(longerThan prefix: [UInt8]) -> Bool {
        switch storage {
        case .fields(let fields):
            fields.contains { field in
                let name = field.name.canonicalName.utf8
                return name.count > prefix.count
                    && zip(name, prefix).allSatisfy { byte, expected in (byte == UInt8(ascii: "_") ? UInt8(ascii: "-") : byte) == expected }
            }
        case .cgi(let cgi): cgi.containsName(longerThan: prefix)
        }
    }

    /// Every header, as ``HTTPFields``.
    public var fields: HTTPFields {
        switch storage {
        case .fields(let fields): fields
        case .cgi(let cgi): cgi.fields
        }
    }
}

extension RequestHeaders: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (HTTPField.Name, String)...) {
        self.init(HTTPFields(elements.map { HTTPField(name: $0.0, value: $0.1) }))
    }
}
