import Foundation
import Testing
import YardstickTestSupport
@testable import YardstickStore

@Suite struct StoreResolveRunTests {
    /// Three runs with chosen ids so prefixes collide on purpose.
    func makeStore(_ folder: TemporaryFolder, _ backend: Backend) throws -> Store {
        let store = try folder.store(backend)
        let runs: [(id: String, experiment: String, name: String, job: String?)] = [
            ("abcd1111000000000000000000000000", "exp1", "baseline", "ftjob-one"),
            ("abcd2222000000000000000000000000", "exp2", "baseline", nil),
            ("ef012345000000000000000000000000", "exp1", "lr-sweep", "ftjob-two"),
        ]
        try store.database.transaction {
            for run in runs {
                _ = try store.insertRun(Run(id: run.id, experiment: run.experiment, name: run.name, status: "finished",
                                            createdAt: Date(), jobID: run.job))
            }
        }
        return store
    }

    @Test(arguments: Backend.available) func resolvesFullIdInAnyCase(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        #expect(try store.resolveRun("ef012345000000000000000000000000").name == "lr-sweep")
        #expect(try store.resolveRun("EF012345000000000000000000000000").name == "lr-sweep")
    }

    @Test(arguments: Backend.available) func resolvesAUniquePrefixOfAtLeastFourDigits(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        #expect(try store.resolveRun("ef01").id == "ef012345000000000000000000000000")
        #expect(try store.resolveRun("abcd1").experiment == "exp1")
        #expect(throws: StoreError.runNotFound(reference: "ef0", experiment: nil), "3 digits are too few") { try store.resolveRun("ef0") }
    }

    @Test(arguments: Backend.available) func ambiguousPrefixListsEveryCandidate(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        do {
            _ = try store.resolveRun("abcd")
            Issue.record("an ambiguous prefix must fail")
        } catch let error as StoreError {
            guard case let .ambiguousRun(reference, candidates) = error else { Issue.record("got \(error)"); return }
            #expect(reference == "abcd")
            #expect(candidates == ["abcd1111000000000000000000000000 exp1/baseline", "abcd2222000000000000000000000000 exp2/baseline"])
            #expect(error.description.contains("exp2/baseline"))
        }
    }

    @Test(arguments: Backend.available) func resolvesNamesWithinTheGivenExperiment(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        #expect(try store.resolveRun("lr-sweep").id.hasPrefix("ef01"))
        #expect(try store.resolveRun("baseline", experiment: "exp2").id.hasPrefix("abcd2222"))
        #expect(throws: StoreError.runNotFound(reference: "lr-sweep", experiment: "exp2")) {
            try store.resolveRun("lr-sweep", experiment: "exp2")
        }
    }

    @Test(arguments: Backend.available) func nameUsedInSeveralExperimentsIsAmbiguousWithoutAnExperiment(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        #expect(throws: StoreError.ambiguousRun(reference: "baseline", candidates: [
            "abcd1111000000000000000000000000 exp1/baseline", "abcd2222000000000000000000000000 exp2/baseline",
        ])) { try store.resolveRun("baseline") }
    }

    @Test(arguments: Backend.available) func resolvesProviderJobIds(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        #expect(try store.resolveRun("ftjob-two").name == "lr-sweep")
        #expect(try store.resolveRun("ftjob-one", experiment: "exp1").name == "baseline")
    }

    @Test(arguments: Backend.available) func unknownReferenceIsNotFound(_ backend: Backend) throws {
        let folder = try TemporaryFolder()
        let store = try makeStore(folder, backend)
        #expect(throws: StoreError.runNotFound(reference: "nothing", experiment: nil)) { try store.resolveRun("nothing") }
        #expect(throws: StoreError.self) { try store.resolveRun("  ") }
    }
}
