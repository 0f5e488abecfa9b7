/// The Porter stemmer exactly as NLTK's `PorterStemmer()` (mode `NLTK_EXTENSIONS`), which is
/// what rouge-score's `use_stemmer=True` runs on every token longer than three characters.
///
/// NLTK's default mode differs from Porter's 1980 paper in several places that change ROUGE
/// scores (an irregular-forms table, `ies`/`ied` on four-letter words, the `y → i` condition,
/// the `*o` test on two-letter stems, `alli`, `bli`, `fulli`, `logi`, and step 5b measured on the
/// word minus one letter), so a textbook Porter implementation does not reproduce rouge-score.
///
/// The stemmer is stateless; callers that stem many tokens (ROUGE does) memoise its results.
public struct PorterStemmer: Sendable {
    public init() {}

    /// The stem of `word`, lowercased first with Python's `str.lower()` as NLTK does.
    public func stem(_ word: String) -> String {
        let original = PythonText.codePoints(word)
        let lowered = PythonText.lower(original)
        return PythonText.string(PorterStemmer.stem(lowered, originalLength: original.count))
    }

    /// Stems already lowercased code points; `originalLength` is the length before lowercasing,
    /// which is what NLTK's "two letters or fewer stay as they are" test looks at.
    static func stem(_ lowered: [UInt32], originalLength: Int) -> [UInt32] {
        if let irregular = irregularForm(lowered) { return irregular }
        if originalLength <= 2 { return lowered }
        var w = Word(lowered)
        w.step1a()
        w.step1b()
        w.step1c()
        w.step2()
        w.step3()
        w.step4()
        w.step5a()
        w.step5b()
        return w.letters
    }

    /// NLTK's table of irregular forms, consulted before any rule.
    private static let irregular: [(forms: [String], stem: String)] = [
        (["sky", "skies"], "sky"), (["dying"], "die"), (["lying"], "lie"), (["tying"], "tie"),
        (["news"], "news"), (["innings", "inning"], "inning"), (["outings", "outing"], "outing"),
        (["cannings", "canning"], "canning"), (["howe"], "howe"), (["proceed"], "proceed"),
        (["exceed"], "exceed"), (["succeed"], "succeed"),
    ]

    private static let irregularTable: [[UInt32]: [UInt32]] = {
        var table: [[UInt32]: [UInt32]] = [:]
        for entry in irregular {
            for form in entry.forms { table[form.unicodeScalars.map(\.value)] = entry.stem.unicodeScalars.map(\.value) }
        }
        return table
    }()

    private static func irregularForm(_ w: [UInt32]) -> [UInt32]? {
        // Every irregular form has 3...8 letters; skip the hash for anything else.
        guard w.count >= 3 && w.count <= 8 else { return nil }
        return irregularTable[w]
    }
}

/// A word being stemmed: ASCII suffix rules applied to Unicode code points (non-ASCII letters
/// are consonants, as in NLTK).
private struct Word {
    var letters: [UInt32]

    init(_ letters: [UInt32]) {
        self.letters = letters
        self.letters.reserveCapacity(letters.count + 2)
    }

    var count: Int { letters.count }

    // MARK: Letter classes and conditions

    @inline(__always) private static func isVowelLetter(_ c: UInt32) -> Bool {
        c == 0x61 || c == 0x65 || c == 0x69 || c == 0x6F || c == 0x75  // a e i o u
    }

    private static let y: UInt32 = 0x79

    /// Porter's consonant test: `y` is a consonant at the start or after a vowel. A run of `y`s
    /// alternates, resolved without recursion.
    func isConsonant(_ i: Int) -> Bool {
        let c = letters[i]
        if Word.isVowelLetter(c) { return false }
        if c != Word.y { return true }
        var j = i
        var flip = false
        while j > 0 && letters[j] == Word.y {
            flip.toggle()
            j -= 1
        }
        return (!Word.isVowelLetter(letters[j])) != flip
    }

    /// The consonant test while scanning left to right: `y` is a consonant at the start or after a vowel.
    @inline(__always)
    func isConsonant(_ i: Int, afterConsonant previous: Bool) -> Bool {
        let c = letters[i]
        if Word.isVowelLetter(c) { return false }
        if c == Word.y { return i == 0 || !previous }
        return true
    }

    /// Porter's measure m of the first `length` letters: the number of vowel→consonant changes.
    func measure(_ length: Int) -> Int {
        var m = 0
        var previousConsonant = true
        for i in 0..<length {
            let consonant = isConsonant(i, afterConsonant: previousConsonant)
            if consonant && !previousConsonant && i > 0 { m += 1 }
            previousConsonant = consonant
        }
        return m
    }

    /// `*v*`: the first `length` letters contain a vowel.
    func containsVowel(_ length: Int) -> Bool {
        var previousConsonant = true
        for i in 0..<length {
            let consonant = isConsonant(i, afterConsonant: previousConsonant)
            if !consonant { return true }
            previousConsonant = consonant
        }
        return false
    }

    /// `*d`: the first `length` letters end in a double consonant.
    func endsDoubleConsonant(_ length: Int) -> Bool {
        length >= 2 && letters[length - 1] == letters[length - 2] && isConsonant(length - 1)
    }

    /// `*o`: the first `length` letters end consonant–vowel–consonant with the last not w, x, y;
    /// NLTK also accepts a two-letter vowel–consonant stem (with no w/x/y exception).
    func endsCVC(_ length: Int) -> Bool {
        if length >= 3 && isConsonant(length - 3) && !isConsonant(length - 2) && isConsonant(length - 1) {
            let last = letters[length - 1]
            if last != 0x77 && last != 0x78 && last != 0x79 { return true }
        }
        return length == 2 && !isConsonant(0) && isConsonant(1)
    }

    func endsWith(_ suffix: [UInt8]) -> Bool {
        let n = letters.count
        if suffix.count > n { return false }
        let base = n - suffix.count
        for k in 0..<suffix.count where letters[base + k] != UInt32(suffix[k]) { return false }
        return true
    }

    /// Drops the last `suffixLength` letters and appends `replacement`.
    mutating func replace(suffixLength: Int, with replacement: [UInt8]) {
        letters.removeLast(suffixLength)
        for b in replacement { letters.append(UInt32(b)) }
    }

    // MARK: Steps

    mutating func step1a() {
        if count == 4 && endsWith(S.ies) {
            replace(suffixLength: 3, with: S.ie)
            return
        }
        if endsWith(S.sses) { replace(suffixLength: 4, with: S.ss) }
        else if endsWith(S.ies) { replace(suffixLength: 3, with: S.i) }
        else if endsWith(S.ss) { return }
        else if endsWith(S.s) { letters.removeLast() }
    }

    mutating func step1b() {
        if endsWith(S.ied) {
            replace(suffixLength: 3, with: count == 4 ? S.ie : S.i)
            return
        }
        if endsWith(S.eed) {
            if measure(count - 3) > 0 { letters.removeLast() }
            return
        }
        var removed = false
        for suffix in [S.ed, S.ing] where endsWith(suffix) {
            if containsVowel(count - suffix.count) {
                letters.removeLast(suffix.count)
                removed = true
                break
            }
        }
        if !removed { return }
        // Tidying of the stem left by -ed / -ing; the first rule whose suffix matches decides.
        if endsWith(S.at) || endsWith(S.bl) || endsWith(S.iz) {
            letters.append(0x65)  // e
            return
        }
        if endsDoubleConsonant(count) {
            let last = letters[count - 1]
            if last != 0x6C && last != 0x73 && last != 0x7A { letters.removeLast() }  // not l, s, z
            return
        }
        if measure(count) == 1 && endsCVC(count) { letters.append(0x65) }
    }

    mutating func step1c() {
        guard endsWith(S.y) else { return }
        let stemLength = count - 1
        if stemLength > 1 && isConsonant(stemLength - 1) {
            letters[stemLength] = 0x69  // i
        }
    }

    mutating func step2() {
        // NLTK tries `alli → al` before everything else and, if it applies, runs step 2 again.
        if endsWith(S.alli) && measure(count - 4) > 0 {
            replace(suffixLength: 4, with: S.al)
            step2()
            return
        }
        for rule in Word.step2Rules where endsWith(rule.suffix) {
            // `logi → log` keeps the `l` with the stem for the measure, so `geo`, `theo` work.
            let measured = rule.suffix == S.logi ? count - 3 : count - rule.suffix.count
            if measure(measured) > 0 { replace(suffixLength: rule.suffix.count, with: rule.replacement) }
            return
        }
    }

    mutating func step3() {
        for rule in Word.step3Rules where endsWith(rule.suffix) {
            if measure(count - rule.suffix.count) > 0 {
                replace(suffixLength: rule.suffix.count, with: rule.replacement)
            }
            return
        }
    }

    mutating func step4() {
        for suffix in Word.step4Suffixes where endsWith(suffix) {
            let stemLength = count - suffix.count
            var holds = measure(stemLength) > 1
            if holds && suffix == S.ion {
                let last = letters[stemLength - 1]
                holds = last == 0x73 || last == 0x74  // s, t
            }
            if holds { letters.removeLast(suffix.count) }
            return
        }
    }

    mutating func step5a() {
        guard endsWith(S.e) else { return }
        let stemLength = count - 1
        let m = measure(stemLength)
        if m > 1 || (m == 1 && !endsCVC(stemLength)) { letters.removeLast() }
    }

    mutating func step5b() {
        if endsWith(S.ll) && measure(count - 1) > 1 { letters.removeLast() }
    }

    // MARK: Rule tables

    private static let step2Rules: [(suffix: [UInt8], replacement: [UInt8])] = [
        ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
        ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
        ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
        ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
        ("fulli", "ful"), ("logi", "log"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    private static let step3Rules: [(suffix: [UInt8], replacement: [UInt8])] = [
        ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
        ("ness", ""),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    private static let step4Suffixes: [[UInt8]] = [
        "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou",
        "ism", "ate", "iti", "ous", "ive", "ize",
    ].map { Array($0.utf8) }
}

/// Suffixes used by name in the steps.
private enum S {
    static let ies = Array("ies".utf8), ie = Array("ie".utf8), sses = Array("sses".utf8)
    static let ss = Array("ss".utf8), s = Array("s".utf8), i = Array("i".utf8)
    static let ied = Array("ied".utf8), eed = Array("eed".utf8), ed = Array("ed".utf8)
    static let ing = Array("ing".utf8), at = Array("at".utf8), bl = Array("bl".utf8)
    static let iz = Array("iz".utf8), y = Array("y".utf8), alli = Array("alli".utf8)
    static let al = Array("al".utf8), logi = Array("logi".utf8), ion = Array("ion".utf8)
    static let e = Array("e".utf8), ll = Array("ll".utf8)
}
