public import Logging

extension Logger {
    /// This logger with a request's id as `request_id` metadata (the access line's name), so a
    /// request's every line can be found from its `X-Request-Id`. Unchanged without an id.
    public func forRequest(_ requestID: String?) -> Logger {
        guard let requestID else { return self }
        var logger = self
        logger[metadataKey: "request_id"] = .string(requestID)
        return logger
    }
}
