import Foundation
import Testing
import YardstickStore
import YardstickTestSupport

@Test func readmeDocumentsTheCurrentStoreSchemaWordForWord() throws {
    let readme = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    #expect(readme.contains(StoreSchema.documentation), "README.md must contain StoreSchema.documentation verbatim")
    #expect(StoreSchema.documentation.contains("(version \(StoreSchema.currentVersion))"))
}
