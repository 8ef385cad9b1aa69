import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The release bundle from `make dist`: what it holds, that its binary needs nothing from the
/// Swift toolchain, that it serves, and that install.sh stages it idempotently. Runs when
/// `TOKEND_DIST_TARBALL` names a tarball (`make test` builds one and sets it): a
/// release build takes minutes.
@Suite(
    .timeLimit(.minutes(20)),
    .enabled(
        if: !(ProcessInfo.processInfo.environment["TOKEND_DIST_TARBALL"] ?? "").isEmpty,
        "TOKEND_DIST_TARBALL is not set (make test builds the bundle unless TOKEND_SKIP_DIST=1)"))
struct ReleaseBundleTests {
    /// Shared libraries a bundled binary may need: glibc's, the C++ runtime's, and libfcgi.
    static let allowedLibraries: Set<String> = [
        "linux-vdso.so.1", "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
        "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libstdc++.so.6", "libgcc_s.so.1",
        "libfcgi.so.0",
    ]

    /// The tarball to check (the suite runs only when it is set).
    static var tarball: String? {
        guard let path = ProcessInfo.processInfo.environment["TOKEND_DIST_TARBALL"], !path.isEmpty else { return nil }
        return path.hasPrefix("/") ? path : LiveServer.packageRoot + "/" + path
    }

    /// `tokend-<version>-linux-<arch>.tar.gz`.
    func name(of tarball: String) -> String { URL(fileURLWithPath: tarball).lastPathComponent }

    /// Unpacks the tarball into a new directory; returns it and the bundle's top directory.
    static func unpack(_ tarball: String) throws -> (directory: String, bundle: String) {
        let directory = try LiveServer.makeTemporaryDirectory()
        let result = try LiveServer.run("/bin/tar", ["-xzf", tarball, "-C", directory])
        guard result.status == 0 else { throw HarnessError("tar -x failed: \(result.stderr)") }
        let name = URL(fileURLWithPath: tarball).lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "")
        return (directory, directory + "/" + name)
    }

    @Test func bundleHoldsTheBinaryTheDeployFilesAndTheInstaller() throws {
        let tarball = try #require(Self.tarball)
        let name = URL(fileURLWithPath: tarball).lastPathComponent
        #expect(name.wholeMatch(of: /tokend-[0-9A-Za-z.+_-]+-linux-(x86_64|aarch64)\.tar\.gz/) != nil, "\(name)")
        let (directory, bundle) = try Self.unpack(tarball)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in [
            "bin/tokend", "install.sh", "README.md", "deploy/systemd/tokend.service", "deploy/systemd/tokend.socket", "deploy/systemd/tokend-notify.timer",
            "deploy/apache/tokend-proxy-fcgi.conf", "deploy/apache/tokend-fcgid.conf", "deploy/apache/tokend.fcgi",
            "deploy/spawn-fcgi/tokend-spawn", "nginx/tokend.conf", "nginx/tokend-tls.conf", "nginx/auth-gate.conf",
            "deploy/caddy/Caddyfile.example", "LICENSE", "completions/tokend.bash", "completions/_tokend",
            "completions/tokend.fish",
        ] {
            #expect(FileManager.default.fileExists(atPath: bundle + "/" + file), "missing \(file)")
        }
        #expect(FileManager.default.isExecutableFile(atPath: bundle + "/bin/tokend"))
        #expect(FileManager.default.isExecutableFile(atPath: bundle + "/install.sh"))
    }

    /// `ldd`: every library is glibc's, the C++ runtime's, libfcgi, or libpq and what it links, and none is found in the
    /// Swift toolchain (no libswiftCore, libFoundation, libdispatch… by path or by name).
    @Test func binaryNeedsNoSwiftToolchain() throws {
        let tarball = try #require(Self.tarball)
        let (directory, bundle) = try Self.unpack(tarball)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ldd = try LiveServer.run("/usr/bin/ldd", [bundle + "/bin/tokend"])
        #expect(ldd.status == 0, "\(ldd.stderr)")
        let lines = ldd.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains { $0.hasPrefix("libfcgi.so.0") }, "libfcgi should stay dynamic: \(ldd.stdout)")
        // libpq (the PostgreSQL store) comes with what Debian's libpq5 itself links (OpenSSL,
        // Kerberos, LDAP…): the package's dependencies, installed with it.
        let libpq = try #require(lines.first { $0.hasPrefix("libpq.so.5") }, "libpq should stay dynamic: \(ldd.stdout)")
        let libpqPath = try #require(libpq.components(separatedBy: " => ").last?.split(separator: " ").first.map(String.init))
        let libpqNeeds = try LiveServer.run("/usr/bin/ldd", [libpqPath]).stdout.split(separator: "\n")
            .compactMap { $0.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map { URL(fileURLWithPath: String($0)).lastPathComponent } }
        let allowed = Self.allowedLibraries.union(["libpq.so.5"]).union(libpqNeeds)
        for line in lines {
            let library = String(line.split(separator: " ").first ?? "")
            let soname = URL(fileURLWithPath: library).lastPathComponent
            #expect(allowed.contains(soname), "unexpected library: \(line)")
            #expect(!line.contains("not found"), "\(line)")
            #expect(!line.lowercased().contains("swift"), "from the Swift toolchain: \(line)")
        }
    }

    /// The bundled binary initialises a store and answers a request (as CGI, one process).
    @Test func binaryServes() throws {
        let tarball = try #require(Self.tarball)
        let (directory, bundle) = try Self.unpack(tarball)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = bundle + "/bin/tokend"
        // make dist stamps the bundle's version into the binary.
        let printed = try LiveServer.run(binary, ["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let version = String(printed.split(separator: " ").first ?? "")
        #expect(name(of: tarball).hasPrefix("tokend-\(version)-linux-"), "--version printed \(printed)")
        #expect(version != "dev")
        // And the commit it was built from, not dirtied by the version line make dist stamps.
        #expect(printed.firstMatch(of: /^\S+ \(commit [0-9a-f]{12}\)$/) != nil, "\(printed)")
        let data = directory + "/data"
        #expect(try LiveServer.run(binary, ["init", "--data", data]).status == 0)
        let created = try LiveServer.run(binary, ["token", "create", "--data", data, "--user", "root", "--name", "t", "--scopes", "api"])
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(created.status == 0 && token.hasPrefix("glpat-"), "\(created.stderr)")
        let response = try LiveServer.run(
            binary, [],
            environment: [
                "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v4/user",
                "HTTP_PRIVATE_TOKEN": token, "REMOTE_ADDR": "127.0.0.1", "TOKEND_DATA": data,
            ])
        #expect(response.stdout.hasPrefix("Status: 200"), "\(response.stdout)\(response.stderr)")
        #expect(response.stdout.contains("\"username\":\"root\""))
    }

    /// install.sh with DESTDIR, twice: the binary, the units (ExecStart pointing at it) and the
    /// state directory at 0700, the same after the second run.
    @Test func installerStagesIdempotently() throws {
        let tarball = try #require(Self.tarball)
        let (directory, bundle) = try Self.unpack(tarball)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stage = directory + "/stage"
        for round in 1...2 {
            let result = try LiveServer.run(
                bundle + "/install.sh", [], environment: ["DESTDIR": stage, "TOKEND_BIN_DIR": "/usr/local/bin"])
            #expect(result.status == 0, "round \(round): \(result.stderr)")
            #expect(FileManager.default.isExecutableFile(atPath: stage + "/usr/local/bin/tokend"))
            let service = (try? String(contentsOfFile: stage + "/etc/systemd/system/tokend.service", encoding: .utf8)) ?? ""
            #expect(service.contains("ExecStart=/usr/local/bin/tokend serve"), "round \(round)")
            #expect(!service.contains("/usr/bin/tokend"))
            #expect(FileManager.default.fileExists(atPath: stage + "/etc/systemd/system/tokend.socket"))
            let bash = (try? String(contentsOfFile: stage + "/usr/share/bash-completion/completions/tokend", encoding: .utf8)) ?? ""
            #expect(bash.contains("complete") && bash.contains("tokend"), "round \(round): no bash completion")
            #expect(FileManager.default.fileExists(atPath: stage + "/usr/share/zsh/vendor-completions/_tokend"))
            #expect(FileManager.default.fileExists(atPath: stage + "/usr/share/fish/vendor_completions.d/tokend.fish"))
            var info = stat()
            #expect(stat(stage + "/var/lib/tokend", &info) == 0)
            #expect(info.st_mode & 0o7777 == 0o700, "round \(round): mode \(String(info.st_mode & 0o7777, radix: 8))")
        }
    }
}
