import Testing
import TokendSettings

/// `--store` in libpq's keyword/value form, as psql takes it: parsed once into the pairs libpq
/// gets, shown without its password, refused with a clear error that repeats no value.
struct StoreKeywordFormTests {
    func parsed(_ text: String) throws -> PostgresConninfo {
        let settings = try Settings.resolve(flags: [.store: text], environment: [:], file: nil)
        return try #require(settings.postgresStore)
    }

    @Test func aMultiHostKeywordFormIsTheParametersLibpqGets() throws {
        let store = try parsed("host=127.0.0.1,db2.internal port=5432,5433 dbname=tokend user=u target_session_attrs=read-write")
        #expect(store.parameters == [
            .init("host", "127.0.0.1,db2.internal"), .init("port", "5432,5433"), .init("dbname", "tokend"), .init("user", "u"),
            .init("target_session_attrs", "read-write"),
        ])
        #expect(store.location == "127.0.0.1:5432,db2.internal:5433/tokend")
        #expect(store.shown == "host=127.0.0.1,db2.internal port=5432,5433 dbname=tokend user=u target_session_attrs=read-write")
    }

    @Test func spacesAroundTheEqualsSignAndOnePortForEveryHost() throws {
        let store = try parsed("  host = a,b   port= 5433 dbname =tokend ")
        #expect(store.parameters == [.init("host", "a,b"), .init("port", "5433"), .init("dbname", "tokend")])
        #expect(store.location == "a:5433,b:5433/tokend")
        #expect(try parsed("dbname=tokend").location == "/tokend")
        #expect(try parsed("user=u").location == "(libpq defaults)")
    }

    @Test func quotedValuesAndBackslashEscapes() throws {
        let store = try parsed(#"application_name='a b' options='-c search_path=x' user=o\'brien sslrootcert='C:\\certs\'s' dbname=''"#)
        #expect(store.parameters == [
            .init("application_name", "a b"), .init("options", "-c search_path=x"), .init("user", "o'brien"),
            .init("sslrootcert", #"C:\certs's"#), .init("dbname", ""),
        ])
        // Shown in a form libpq reads back the same.
        #expect(store.shown == #"application_name='a b' options='-c search_path=x' user='o\'brien' sslrootcert='C:\\certs\'s' dbname=''"#)
        #expect(try parsed(store.shown).parameters == store.parameters)
    }

    @Test func thePasswordIsNeverShownNorInTheLocation() throws {
        let text = "host=db port=5432 dbname=tokend user=tokend password='s3cret word' sslpassword=k3y"
        let settings = try Settings.resolve(flags: [:], environment: ["TOKEND_STORE": text], file: nil)
        let store = try #require(settings.postgresStore)
        #expect(store.parameters.contains(.init("password", "s3cret word")))
        #expect(settings.sources[.store]?.value == "host=db port=5432 dbname=tokend user=tokend password=*** sslpassword=***")
        #expect(store.location == "db:5432/tokend")
        #expect(!store.shown.contains("s3cret") && !store.location.contains("s3cret"))
    }

    @Test func theConfigFileTakesTheKeywordFormToo() throws {
        let file = try ConfigFile(text: "store = host=a,b port=1,2 dbname=t target_session_attrs=read-write\n", path: "/etc/tokend.conf")
        let store = try #require(try Settings.resolve(flags: [:], environment: [:], file: file).postgresStore)
        #expect(store.location == "a:1,b:2/t")
        #expect(store.parameters.last == .init("target_session_attrs", "read-write"))
    }

    @Test(arguments: [
        ("host=db password='unterminated", "--store in the keyword/value form: the quoted value of password has no closing '"),
        ("host=db port", "--store in the keyword/value form: port has no '=': write port=value"),
        ("host=db hunter2 dbname=t", "--store in the keyword/value form: word 2 is not a libpq connection keyword (host, port, dbname, user, target_session_attrs, sslmode, …)"),
        ("host=db passwd=hunter2", "--store in the keyword/value form: word 2 is not a libpq connection keyword (host, port, dbname, user, target_session_attrs, sslmode, …)"),
        ("host=a host=b", "--store in the keyword/value form: host is given twice"),
        ("dbname='host=evil password=x'", "--store in the keyword/value form: dbname names a database, not another connection string"),
        ("host=db\tdbname=t", "--store must not hold control characters (the keyword/value form separates pairs with spaces)"),
        ("=db", "--store in the keyword/value form: word 1 is not a libpq connection keyword (host, port, dbname, user, target_session_attrs, sslmode, …)"),
    ])
    func invalidFormsAreRefusedWithoutRepeatingAValue(text: String, message: String) {
        #expect(throws: SettingsError(message)) { try Settings.resolve(flags: [.store: text], environment: [:], file: nil) }
    }

    @Test func anInvalidSettingIsNotShownAtAll() {
        #expect(PostgresConninfo.shown("host=db password='s3cret") == "(not a PostgreSQL store: not shown)")
    }
}
