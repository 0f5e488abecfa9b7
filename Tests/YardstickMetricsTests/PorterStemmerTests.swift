import Testing
import YardstickTestSupport
@testable import YardstickMetrics

@Suite struct PorterStemmerTests {
    @Test func everyDescriptionWordStemsLikeNLTK() throws {
        let fixture = try #require(try Fixtures.json("metrics/summary/porter_stems.json") as? [String: Any])
        let stems = try #require(fixture["stems"] as? [String: String])
        try #require(!stems.isEmpty)
        let stemmer = PorterStemmer()
        var checked = 0
        for (word, want) in stems.sorted(by: { $0.key < $1.key }) {
            let got = stemmer.stem(word)
            #expect(got == want, "\(word): stem \(got) vs \(want)")
            checked += 1
        }
        #expect(checked == stems.count)
    }

    @Test(arguments: [
        // Irregular forms.
        ("sky", "sky"), ("skies", "sky"), ("dying", "die"), ("lying", "lie"), ("tying", "tie"), ("news", "news"),
        ("innings", "inning"), ("outings", "outing"), ("cannings", "canning"), ("howe", "howe"),
        ("proceed", "proceed"), ("exceed", "exceed"), ("succeed", "succeed"),
        // Short words and step 1.
        ("is", "is"), ("as", "as"), ("ties", "tie"), ("flies", "fli"), ("died", "die"), ("spied", "spi"),
        ("feed", "feed"), ("agreed", "agre"), ("bleed", "bleed"), ("caresses", "caress"), ("ponies", "poni"),
        ("hopping", "hop"), ("falling", "fall"), ("hissing", "hiss"), ("filing", "file"), ("conflated", "conflat"),
        // y → i only after a consonant, and not for a one-letter stem.
        ("happy", "happi"), ("enjoy", "enjoy"), ("try", "tri"), ("by", "by"), ("syzygy", "syzygi"),
        // Step 2 variants of NLTK.
        ("radically", "radic"), ("conformably", "conform"), ("hopefully", "hope"), ("archaeology", "archaeolog"),
        ("geology", "geolog"), ("relational", "relat"), ("generalization", "gener"),
        // Steps 3–5.
        ("triplicate", "triplic"), ("adoption", "adopt"), ("controlling", "control"), ("roll", "roll"),
        ("probate", "probat"), ("rate", "rate"), ("cease", "ceas"),
        // Uppercase input is lowercased first.
        ("Running", "run"), ("CONNECTIONS", "connect"),
    ])
    func nltkExtensionRules(word: String, stem: String) {
        #expect(PorterStemmer().stem(word) == stem, "\(word)")
    }
}
