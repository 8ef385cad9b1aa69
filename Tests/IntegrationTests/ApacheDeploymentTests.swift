import Foundation
import JSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Apache 2.4 deployments started for real from the files in deploy/apache, paths filled in:
/// mod_proxy_fcgi to a running worker, and mod_fcgid spawning the worker itself (server config
/// and the shared-hosting .htaccess). Each sends GitLab clients' requests through a private
/// Apache on loopback and checks what reaches tokend.
@Suite(.timeLimit(.minutes(20)))
struct ApacheDeploymentTests {
    /// A shipped file from deploy/apache.
    static func shipped(_ name: String) throws -> String {
        try String(contentsOfFile: LiveServer.packageRoot + "/deploy/apache/" + name, encoding: .utf8)
    }

    /// True when Apache and `modules` are installed (`scripts/deps test` installs them).
    static func apacheRuns(_ modules: [String]) -> Bool {
        ApacheServer.unavailable(modules: modules) == nil
    }

    /// Gives the data directory to the user Apache's children run as (root only), as an
    /// administrator does for mod_fcgid: the spawned worker runs as that user.
    static func handOver(_ path: String) throws {
        guard let user = ApacheServer.childUser else { return }
        let result = try LiveServer.run("/bin/chown", ["-R", "\(user.uid):\(user.gid)", path])
        guard result.status == 0 else { throw HarnessError("chown failed: \(result.stderr)") }
    }

    /// The checks every mode must pass: both header styles authenticate, a bad token gets
    /// GitLab's 401, and an encoded slash reaches the router undecoded.
    static func checkClients(_ apache: ApacheServer, token: String) throws {
        let user = try apache.request("GET", "/user", token: token)
        #expect(user.status == 200, "\(user.body)\n\(apache.log)")
        #expect(user.json?["username"]?.stringValue == "root")

        let bearer = try apache.request("GET", "/user", headers: ["Authorization": "Bearer \(token)"])
        #expect(bearer.status == 200, "Authorization did not reach the worker: \(bearer.body)")
        #expect(bearer.json?["username"]?.stringValue == "root")

        let bad = try apache.request("GET", "/user", token: "glpat-not-a-token")
        #expect(bad.status == 401)
        #expect(bad.body == #"{"message":"401 Unauthorized"}"#)

        let badBearer = try apache.request("GET", "/user", headers: ["Authorization": "Bearer glpat-not-a-token"])
        #expect(badBearer.status == 401)

        // `1%2Fx` is one segment: /personal_access_tokens/:id with a non-integer id, 400.
        // Decoded by Apache it would be /personal_access_tokens/1/x, no route: 404 {"error":…}.
        let encoded = try apache.request("GET", "/personal_access_tokens/1%2Fx", token: token)
        #expect(encoded.status == 400, "\(encoded.body)")
        #expect(encoded.body == #"{"error":"id is invalid"}"#)
        let users = try apache.request("GET", "/users/1%2Fx", token: token)
        #expect(users.status == 404)
        #expect(users.body == #"{"message":"404 User Not Found"}"#)

        // A long query: the Link header repeats it four times, past Apache's 8 KB header line.
        let search = String(repeating: "a", count: 3000)
        let long = try apache.request("GET", "/personal_access_tokens?search=\(search)", token: token)
        #expect(long.status == 200, "\(long.body)")
        #expect(long.body == "[]")

        // GitLab's health checks and metrics are routed too (the client is loopback here).
        let health = try apache.request("GET", "//-/health")
        #expect(health.status == 200, "\(health.body)\n\(apache.log)")
        #expect(health.body == "GitLab OK")
        let readiness = try apache.request("GET", "//-/readiness")
        #expect(readiness.status == 200, "\(readiness.body)")
        #expect(readiness.json?["status"]?.stringValue == "ok")
        let metrics = try apache.request("GET", "//-/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("tokend_store_tokens "), "\(metrics.body)")
    }

    /// deploy/apache/tokend-proxy-fcgi.conf: Apache → unix socket → a running worker.
    @Test(.enabled(if: apacheRuns(["proxy", "proxy_fcgi"]), "needs apache2 (scripts/deps test installs it)"))
    func proxyFCGI() throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let token = try server.createToken()
        try server.startWorker()
        // As deployed: the socket is 0660 and its group is the web server's.
        if let user = ApacheServer.childUser { chown(server.socket, getuid(), user.gid) }
        let site = try Self.shipped("tokend-proxy-fcgi.conf")
            .replacingOccurrences(of: "/run/tokend/fcgi.sock", with: server.socket)
        let apache = try ApacheServer(directory: server.directory, site: site, modules: ["proxy", "proxy_fcgi"])
        defer { apache.stop() }
        try Self.checkClients(apache, token: token)
        // Outside /api/v4/ the worker is not reachable: Apache denies it (the harness, like
        // Debian's apache2.conf, denies <Directory />).
        #expect(try apache.request("GET", "//api/v3/user", token: token).status == 403)
        #expect(LiveServer.eventually { server.workerLogs.contains("\"route\":\"/user\"") }, "\(server.workerLogs)")
    }

    /// deploy/apache/tokend-fcgid.conf: Apache spawns `tokend` itself with the listening
    /// socket on fd 0 and TOKEND_DATA from FcgidInitialEnv; stopping Apache stops the worker.
    @Test(.enabled(if: apacheRuns(["fcgid"]), "needs apache2 and libapache2-mod-fcgid (scripts/deps test)"))
    func fcgidSpawnsTheWorker() throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let token = try server.createToken()
        try Self.handOver(server.data)
        let site = try Self.shipped("tokend-fcgid.conf")
            .replacingOccurrences(of: "/var/lib/tokend-fcgid", with: server.data)
            .replacingOccurrences(of: "/usr/bin/tokend", with: server.binary)
        let apache = try ApacheServer(directory: server.directory, site: site, modules: ["fcgid"])
        defer { apache.stop() }
        try Self.checkClients(apache, token: token)
        let workers = apache.running(server.binary)
        #expect(!workers.isEmpty, "no tokend process below Apache")
        #expect(LiveServer.eventually { apache.log.contains("\"route\":\"/user\"") }, "the worker's log lines go to Apache's error log")
        #expect(apache.stop().isEmpty, "Apache left workers running")
        #expect(workers.allSatisfy { !ApacheServer.isAlive($0) })
    }

    /// deploy/apache/htaccess.example and tokend.fcgi: shared hosting, where the customer has
    /// only a web directory and the host allows overrides, ExecCGI and encoded slashes. With
    /// mod_fcgid the worker serves FastCGI on fd 0; with only mod_cgi(d) it answers each request
    /// as CGI. With mod_rewrite and without it (Debian's Apache does not enable it: the file
    /// falls back to mod_dir's FallbackResource), in the document root and in a subdirectory
    /// (`/tk/`, where only the FallbackResource line names the path).
    @Test(
        .enabled(if: apacheRuns(["fcgid", "cgid", "rewrite", "dir"]), "needs apache2 and libapache2-mod-fcgid (scripts/deps test)"),
        arguments: [("fcgid", "", false), ("cgid", "", true), ("fcgid", "/tk", true), ("cgid", "/tk", false)])
    func htaccessOnSharedHosting(module: String, prefix: String, rewrite: Bool) throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let token = try server.createToken()
        try Self.handOver(server.data)
        let root = server.directory + "/site"
        let site = root + prefix
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try Self.shipped("htaccess.example")
            .replacingOccurrences(of: "FallbackResource /tokend.fcgi", with: "FallbackResource \(prefix)/tokend.fcgi")
            .write(toFile: site + "/.htaccess", atomically: false, encoding: .utf8)
        let wrapper = try Self.shipped("tokend.fcgi")
            .replacingOccurrences(of: "/home/USER/tokend-data", with: server.data)
            .replacingOccurrences(of: "/home/USER/bin/tokend", with: server.binary)
        try wrapper.write(toFile: site + "/tokend.fcgi", atomically: false, encoding: .utf8)
        chmod(site + "/tokend.fcgi", 0o755)
        // What a shared host's own configuration provides.
        let host = """
            AllowEncodedSlashes NoDecode
            DocumentRoot \(root)
            <Directory \(root)>
                AllowOverride FileInfo Options AuthConfig Indexes
                Require all granted
            </Directory>
            """
        let apache = try ApacheServer(
            directory: server.directory, site: host, modules: [module, "dir"] + (rewrite ? ["rewrite"] : []))
        defer { apache.stop() }
        apache.urlPrefix = prefix
        try Self.checkClients(apache, token: token)
        let health = try apache.request("GET", "//-/liveness")
        #expect(health.status == 200, "\(health.body)\n\(apache.log)")
        #expect((apache.running(server.binary).isEmpty) == (module == "cgid"), "FastCGI workers stay, CGI ones exit")
        #expect(apache.stop().isEmpty, "Apache left workers running")
    }

    /// The mod_fcgid layout of the README and tokend-fcgid.conf, next to install.sh's store
    /// (which belongs to another user): a directory of its own made for www-data, initialised
    /// as www-data, a token made by root (tokend becomes www-data), then writes through Apache
    /// before and after root compacts the store offline. Every file stays www-data's.
    @Test(.enabled(if: apacheRuns(["fcgid"]) && getpwnam("www-data") != nil && getuid() == 0, "needs root, www-data and mod_fcgid"))
    func fcgidDataDirectoryOfItsOwn() throws {
        let server = try LiveServer(workers: 0)  // its store plays install.sh's /var/lib/tokend
        defer { server.stop() }
        #expect(try LiveServer.run("/bin/chown", ["-R", "nobody:nogroup", server.data]).status == 0)
        let data = server.directory + "/tokend-fcgid"
        chmod(server.directory, 0o711)
        let steps: [(String, [String])] = [
            ("/usr/bin/install", ["-d", "-m", "0700", "-o", "www-data", "-g", "www-data", data]),
            ("/usr/sbin/runuser", ["-u", "www-data", "--", server.binary, "init", "--data", data]),
        ]
        for (program, arguments) in steps {
            let result = try LiveServer.run(program, arguments)
            #expect(result.status == 0, "\(program): \(result.stderr)")
        }
        let token = try server.tokend(["token", "create", "--data", data, "--user", "root", "--name", "admin", "--scopes", "api,sudo"])
        let site = try Self.shipped("tokend-fcgid.conf")
            .replacingOccurrences(of: "/var/lib/tokend-fcgid", with: data)
            .replacingOccurrences(of: "/usr/bin/tokend", with: server.binary)
        let apache = try ApacheServer(directory: server.directory, site: site, modules: ["fcgid"])
        defer { apache.stop() }
        try Self.checkClients(apache, token: token)
        let created = try apache.request("POST", "/users/1/personal_access_tokens?name=fcgid&scopes%5B%5D=api", token: token)
        #expect(created.status == 201, "\(created.body)\n\(apache.log)")
        _ = try server.tokend(["store", "compact", "--data", data])
        let after = try apache.request("POST", "/users/1/personal_access_tokens?name=after-compact&scopes%5B%5D=api", token: token)
        #expect(after.status == 201, "the workers still write after root's compaction: \(after.body)\n\(apache.log)")
        let www = try #require(getpwnam("www-data")).pointee
        for name in ["."] + (try FileManager.default.contentsOfDirectory(atPath: data)) {
            var info = stat()
            #expect(stat(data + "/" + name, &info) == 0 && info.st_uid == www.pw_uid && info.st_gid == www.pw_gid, "\(name)")
        }
    }
}
