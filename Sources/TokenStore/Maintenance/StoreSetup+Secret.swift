/// The data directory's secret, as `tokend store export` and `import` move it.
extension StoreSetup {
    /// Replaces the data directory's secret (an import brings the exported store's own):
    /// temp file 0600, fsync, rename, directory fsync.
    public static func replaceSecret(directory: String, hex: String) throws(StoreError) {
        let layout = StoreLayout(directory: directory)
        let temp = try DurableFile.prepare(for: layout.secret, with: Array(hex.utf8) + [0x0A], directory: layout.directory)
        try DurableFile.install(temp, at: layout.secret, failpoints: Failpoints(spec: nil))
        try FileIO.fsyncDirectory(layout.directory)
    }

    /// The secret as stored (hex), for `tokend store export`.
    public static func secretHex(directory: String) throws(StoreError) -> String {
        let path = StoreLayout(directory: directory).secret
        return String(decoding: try FileIO.readAll(path), as: UTF8.self).filter { !$0.isWhitespace }
    }
}
