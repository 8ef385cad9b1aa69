import Testing
import TokendSettings

/// `--store` (`TOKEND_STORE`, `store = …`): the PostgreSQL store, resolved by the one rule, and
/// never shown with its password.
struct StoreSettingTests {
    @Test func theJSONStoreIsTheDefault() throws {
        let settings = try Settings.resolve(flags: [:], environment: [:], file: nil)
        #expect(settings.postgresStore == nil)
        #expect(settings.data == "./var")
    }

    @Test func aFlagBeatsTheVariableWhichBeatsTheFile() throws {
        let file = try ConfigFile(text: "store = postgres://file@db/tokend\n", path: "/etc/tokend.conf")
        let environment = ["TOKEND_STORE": "postgresql://env@db:5433/tokend"]
        #expect(try Settings.resolve(flags: [:], environment: [:], file: file).postgresStore?.parameters == [.init("dbname", "postgres://file@db/tokend")])
        let fromEnvironment = try Settings.resolve(flags: [:], environment: environment, file: file)
        #expect(fromEnvironment.postgresStore?.parameters == [.init("dbname", "postgresql://env@db:5433/tokend")])
        #expect(fromEnvironment.sources[.store]?.source == .environment("TOKEND_STORE"))
        let fromFlag = try Settings.resolve(flags: [.store: "postgres://flag@db/t"], environment: environment, file: file)
        #expect(fromFlag.postgresStore?.location == "db/t")
        #expect(SettingName.store.variable == "TOKEND_STORE")
    }

    @Test(arguments: ["/var/lib/tokend", "mysql://db/tokend", "postgres://db/to ken", "postgres://db/t\u{7F}"])
    func anythingButAPostgresURLIsRefused(value: String) {
        #expect(throws: SettingsError("--store takes a PostgreSQL URL, postgres://user@host:port/database, or libpq's keyword/value form, host=… port=… dbname=… user=… (the JSON store needs none: it is in --data)")) {
            try Settings.resolve(flags: [.store: value], environment: [:], file: nil)
        }
    }

    @Test func thePasswordIsNeverShown() throws {
        let url = "postgres://tokend:s3cret@db.internal:5432/tokend?sslmode=require&password=other"
        let settings = try Settings.resolve(flags: [:], environment: ["TOKEND_STORE": url], file: nil)
        #expect(settings.postgresStore?.parameters == [.init("dbname", url)])
        #expect(settings.sources[.store]?.value == "postgres://tokend:***@db.internal:5432/tokend?sslmode=require&password=***")
        #expect(PostgresURL.location(url) == "db.internal:5432/tokend")
        #expect(PostgresURL.location("postgres:///tokend") == "/tokend")
        #expect(PostgresURL.redacted("postgres://a@b/c") == "postgres://a@b/c")
        // Every secret keyword, as the keyword/value form hides them.
        #expect(
            PostgresURL.redacted("postgres://db/t?sslkey=k.pem&sslpassword=keypass&oauth_client_secret=x&passwordless=1")
                == "postgres://db/t?sslkey=k.pem&sslpassword=***&oauth_client_secret=***&passwordless=1")
    }
}
