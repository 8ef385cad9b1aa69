import HTTPTypes
public import JSON
public import TokenCore

/// One request parameter as it arrived: from the query string, a form body or a JSON body.
public enum ParameterValue: Hashable, Sendable {
    case string(String)
    /// Repeated `key[]=` form fields, or a JSON array.
    case list([String])
    /// JSON `null`.
    case null
    /// A JSON object or an array that is not all scalars.
    case structured(JSONValue)
}

/// The merged parameters of a request (query, then body; later sources win, as in Rails).
public struct Parameters: Sendable {
    public private(set) var values: [String: ParameterValue] = [:]
    /// Fields added so far, against ``RequestLimits/parameters``.
    private var count = 0

    public init(_ values: [String: ParameterValue] = [:]) { self.values = values }

    public subscript(name: String) -> ParameterValue? {
        // An empty dictionary still hashes the name (most requests have no parameters).
        get { values.isEmpty ? nil : values[name] }
        set { values[name] = newValue }
    }

    /// Adds `application/x-www-form-urlencoded` pairs; `key[]=` collects into a list. Linear in
    /// the text: a list grows in place. Throws ``HTTPError/malformed`` for an undecodable pair,
    /// a NUL, or more than ``RequestLimits/parameters`` fields in the whole request.
    mutating func addForm(_ text: Substring) throws(HTTPError) {
        var rest = text.utf8[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: UInt8(ascii: "&")) ?? rest.endIndex
            let pair = rest[..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            if pair.isEmpty { continue }
            count += 1
            guard count <= RequestLimits.parameters else { throw .malformed }
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawKey = Substring(pair[..<(equals ?? pair.endIndex)])
            let rawValue = equals.map { Substring(pair[pair.index(after: $0)...]) } ?? ""
            guard let key = PercentEncoding.decode(rawKey, plusAsSpace: true),
                let value = PercentEncoding.decode(rawValue, plusAsSpace: true),
                !key.utf8.contains(0), !value.utf8.contains(0)
            else { throw .malformed }
            if key.hasSuffix("[]") {
                let name = String(key.dropLast(2))
                // Taken out of the dictionary first, so the append below does not copy the list.
                if case .list(var items)? = values.removeValue(forKey: name) {
                    items.append(value)
                    values[name] = .list(items)
                } else {
                    values[name] = .list([value])
                }
            } else if !key.isEmpty {
                values[key] = .string(value)
            }
        }
    }

    /// Adds the top-level fields of a JSON object body. A NUL in any string that becomes a
    /// parameter is refused, as GitLab's HandleMalformedStrings middleware refuses it.
    mutating func addJSON(_ object: [String: JSONValue]) throws(HTTPError) {
        count += object.count
        guard count <= RequestLimits.parameters else { throw .malformed }
        func text(_ s: String) throws(HTTPError) -> String {
            guard !s.utf8.contains(0) else { throw .malformed }
            return s
        }
        for (key, value) in object {
            _ = try text(key)
            switch value {
            case .null: values[key] = .null
            case .string(let s): values[key] = .string(try text(s))
            case .bool(let b): values[key] = .string(b ? "true" : "false")
            case .integer(let i): values[key] = .string(String(i))
            case .number(let d): values[key] = .string(String(d))
            case .array(let items):
                var strings: [String] = []
                strings.reserveCapacity(items.count)
                for item in items {
                    switch item {
                    case .string(let s): strings.append(try text(s))
                    case .integer(let i): strings.append(String(i))
                    case .bool(let b): strings.append(b ? "true" : "false")
                    default: break
                    }
                }
                values[key] = strings.count == items.count ? .list(strings) : .structured(value)
            case .object: values[key] = .structured(value)
            }
        }
    }
}

/// Reads typed parameters the way Grape coerces and validates them, collecting every failure
/// so they are reported together: `{"error":"name is missing, scopes is missing"}`.
public struct ParameterReader {
    public let parameters: Parameters
    var errorsStorage: [String] = []
    /// Every failure so far, in the order found.
    public var errors: [String] { errorsStorage }

    public init(_ parameters: Parameters) { self.parameters = parameters }

    public func has(_ name: String) -> Bool { parameters[name] != nil }

    private mutating func fail(_ name: String, _ what: String) { errorsStorage.append("\(name) \(what)") }

    /// A plain string; lists and objects are invalid. `maxLength` (characters) is Grape's
    /// `length` validator.
    public mutating func string(_ name: String, required: Bool = false, maxLength: Int? = nil) -> String? {
        switch parameters[name] {
        case nil:
            if required { fail(name, "is missing") }
            return nil
        case .null:
            if required { fail(name, "is empty") }
            return nil
        case .string(let s):
            if let maxLength, s.exceeds(characters: maxLength) {
                fail(name, "is expected to have length less than or equal to \(maxLength)")
                return nil
            }
            return s
        case .list, .structured:
            fail(name, "is invalid")
            return nil
        }
    }

    public mutating func integer(_ name: String, required: Bool = false) -> Int? {
        guard let text = string(name, required: required) else { return nil }
        guard let value = Int(text.trimmingSpaces) else {
            fail(name, "is invalid")
            return nil
        }
        return value
    }

    /// Grape's Boolean: true/false, 1/0, t/f, yes/no (any case).
    public mutating func boolean(_ name: String) -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "t", "yes", "y": return true
        case "false", "0", "f", "no", "n": return false
        default:
            fail(name, "is invalid")
            return nil
        }
    }

    /// A `YYYY-MM-DD` date.
    public mutating func date(_ name: String) -> CivilDate? {
        guard let text = string(name) else { return nil }
        guard let date = CivilDate(iso8601: text.trimmingSpaces) else {
            fail(name, "is invalid")
            return nil
        }
        return date
    }

    /// An ISO 8601 date or date-time.
    public mutating func dateTime(_ name: String) -> Timestamp? {
        guard let text = string(name) else { return nil }
        guard let instant = Timestamp(iso8601: text.trimmingSpaces) else {
            fail(name, "is invalid")
            return nil
        }
        return instant
    }

    /// A string that must be one of `allowed`.
    public mutating func oneOf(_ name: String, _ allowed: [String]) -> String? {
        guard let text = string(name) else { return nil }
        guard allowed.contains(text) else {
            fail(name, "does not have a valid value")
            return nil
        }
        return text
    }

    /// An integer that must be one of `allowed`.
    public mutating func oneOf(_ name: String, _ allowed: [Int]) -> Int? {
        guard has(name) else { return nil }
        guard let value = integer(name) else { return nil }
        guard allowed.contains(value) else {
            fail(name, "does not have a valid value")
            return nil
        }
        return value
    }

    /// An access level that must be one of `allowed` (its integer, as GitLab's API sends it).
    public mutating func accessLevel(_ name: String, allowed: [AccessLevel]) -> AccessLevel? {
        oneOf(name, allowed.map(\.rawValue)).flatMap(AccessLevel.init(rawValue:))
    }

    /// Scopes, each one of `allowed` (a list, or `a,b` in one string), else "does not have a
    /// valid value".
    public mutating func scopes(_ name: String, required: Bool = false, allowed: Set<Scope>) -> [Scope]? {
        stringArray(name, required: required, commaSeparated: true, allowed: Set(allowed.map(\.rawValue)))?.map(Scope.init(rawValue:))
    }

    /// An array of strings. `commaSeparated` also accepts `a,b` in one string; `allowed`
    /// rejects any other element with "does not have a valid value".
    public mutating func stringArray(
        _ name: String, required: Bool = false, commaSeparated: Bool = false, allowed: Set<String>? = nil
    ) -> [String]? {
        let items: [String]
        switch parameters[name] {
        case nil:
            if required { fail(name, "is missing") }
            return nil
        case .null:
            if required { fail(name, "is empty") }
            return nil
        case .list(let list): items = commaSeparated ? list.flatMap(Self.splitCommas) : list
        case .string(let s):
            guard commaSeparated else {
                fail(name, "is invalid")
                return nil
            }
            items = Self.splitCommas(s)
        case .structured:
            fail(name, "is invalid")
            return nil
        }
        if let allowed, !items.allSatisfy(allowed.contains) {
            fail(name, "does not have a valid value")
            return nil
        }
        return items
    }

    private static func splitCommas(_ s: String) -> [String] {
        s.split(separator: ",").map { String($0).trimmingSpaces }
    }

    /// Throws 400 `{"error":"…"}` with every failure so far, joined by ", ".
    public func check() throws(HTTPError) {
        if !errors.isEmpty { throw HTTPError.error(.badRequest, errors.joined(separator: ", ")) }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
