import Foundation
import Testing
import YardstickTestSupport

/// Says, in the test summary, whether the PostgreSQL half of the store, filter and CLI tests ran.
@Suite struct PostgresAvailabilityTests {
    @Test("PostgreSQL cases are skipped without a server and why", .enabled(if: TestPostgres.uri == nil && !TestPostgres.isRequired, "a PostgreSQL server is given: its cases run"))
    func postgresCasesAreSkippedWithoutAServer() {
        print("⚠︎ PostgreSQL store, filter and CLI cases skipped: \(TestPostgres.skipReason)")
        #expect(Backend.available == [.sqlite])
    }

    @Test("under CI a PostgreSQL server is required, not skipped", .enabled(if: TestPostgres.isRequired, "not under CI"))
    func ciRunsThePostgresCases() {
        #expect(TestPostgres.uri != nil, "CI=true but YARDSTICK_TEST_POSTGRES is unset: the PostgreSQL cases would not run")
        #expect(Backend.available.contains(.postgres))
    }
}
