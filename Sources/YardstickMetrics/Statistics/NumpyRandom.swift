/// `numpy.random.default_rng(seed)`, bit for bit.
///
/// sacrebleu draws its bootstrap resamples and approximate-randomization swaps from numpy's
/// default generator, so reproducing its p-values and confidence intervals exactly needs the same
/// stream: `SeedSequence(seed)` → `PCG64` (128-bit LCG with XSL-RR output) and numpy's
/// bounded-integer algorithms (Lemire's rejection method on buffered 32-bit halves for ranges
/// below 2³², on 64-bit outputs above).
///
/// `next()` is `PCG64.random_raw()`. Like numpy, 32-bit draws use both halves of one 64-bit
/// output (low half first), and the spare half is kept across calls.
public struct NumpyRandom: RandomNumberGenerator, Sendable {
    private var stateHigh: UInt64
    private var stateLow: UInt64
    private let incrementHigh: UInt64
    private let incrementLow: UInt64
    private var spareHalf: UInt32 = 0
    private var hasSpareHalf = false

    private static let multiplierHigh: UInt64 = 2_549_297_995_355_413_924
    private static let multiplierLow: UInt64 = 4_865_540_595_714_422_341

    /// The generator of `numpy.random.default_rng(seed)`.
    public init(seed: UInt64) {
        let words = SeedSequence.generateState(seed: seed, words: 8)
        let w = words.map(UInt64.init)
        // numpy reads the state as little-endian uint64s: (seed high, seed low, inc high, inc low).
        let initHigh = w[0] | (w[1] << 32), initLow = w[2] | (w[3] << 32)
        let seqHigh = w[4] | (w[5] << 32), seqLow = w[6] | (w[7] << 32)
        incrementHigh = (seqHigh << 1) | (seqLow >> 63)
        incrementLow = (seqLow << 1) | 1
        stateHigh = 0
        stateLow = 0
        step()
        let (low, carry) = stateLow.addingReportingOverflow(initLow)
        stateLow = low
        stateHigh = stateHigh &+ initHigh &+ (carry ? 1 : 0)
        step()
    }

    /// A generator seeded from the operating system's entropy source (numpy's `default_rng(None)`
    /// is not reproducible either; only the seed width differs).
    public static func fromEntropy() -> NumpyRandom {
        var system = SystemRandomNumberGenerator()
        return NumpyRandom(seed: system.next())
    }

    private mutating func step() {
        let m = stateLow.multipliedFullWidth(by: Self.multiplierLow)
        let high = m.high &+ stateHigh &* Self.multiplierLow &+ stateLow &* Self.multiplierHigh
        let (low, carry) = m.low.addingReportingOverflow(incrementLow)
        stateLow = low
        stateHigh = high &+ incrementHigh &+ (carry ? 1 : 0)
    }

    /// The next raw 64-bit output (`PCG64.random_raw()`).
    public mutating func next() -> UInt64 {
        step()
        let x = stateHigh ^ stateLow
        let rotation = stateHigh &>> 58
        return (x &>> rotation) | (x &<< (64 &- rotation))
    }

    /// numpy's `next_uint32`: the low half of a fresh 64-bit output, then its high half.
    public mutating func nextUInt32() -> UInt32 {
        if hasSpareHalf {
            hasSpareHalf = false
            return spareHalf
        }
        let v = next()
        spareHalf = UInt32(truncatingIfNeeded: v >> 32)
        hasSpareHalf = true
        return UInt32(truncatingIfNeeded: v)
    }

    /// `Generator.random()`: a double in [0, 1) from the top 53 bits of one output.
    public mutating func random() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// One draw of `Generator.integers(0, n)` (int64). Consecutive draws equal one
    /// `integers(0, n, size=k)` call, and also `choice(n, size, replace=True)`.
    public mutating func integer(below n: Int) -> Int {
        precondition(n > 0, "integer(below:) needs a positive bound")
        let range = UInt64(n - 1)
        if range == 0 { return 0 }
        if range < 0xFFFF_FFFF { return Int(lemire32(UInt32(range))) }
        if range == 0xFFFF_FFFF { return Int(nextUInt32()) }
        return Int(lemire64(range))
    }

    /// `Generator.integers(0, n, size=count)`, equivalently `choice(n, size=count, replace=True)`.
    public mutating func integers(below n: Int, count: Int) -> [Int] {
        var out = [Int](repeating: 0, count: count)
        for i in 0..<count { out[i] = integer(below: n) }
        return out
    }

    /// `Generator.integers(2, size=count, dtype=bool)`: one bit per value from buffered 32-bit
    /// draws. The bit buffer lives only for one call, as in numpy, so two calls of `k` values
    /// differ from one call of `2k`.
    public mutating func booleans(count: Int) -> [Bool] {
        var bits = BooleanStream()
        var out = [Bool](repeating: false, count: count)
        for i in 0..<count { out[i] = bits.next(&self) }
        return out
    }

    private mutating func lemire32(_ range: UInt32) -> UInt32 {
        let exclusive = range &+ 1
        var m = UInt64(nextUInt32()) &* UInt64(exclusive)
        var leftover = UInt32(truncatingIfNeeded: m)
        if leftover < exclusive {
            let threshold = (UInt32.max &- range) % exclusive
            while leftover < threshold {
                m = UInt64(nextUInt32()) &* UInt64(exclusive)
                leftover = UInt32(truncatingIfNeeded: m)
            }
        }
        return UInt32(truncatingIfNeeded: m >> 32)
    }

    private mutating func lemire64(_ range: UInt64) -> UInt64 {
        let exclusive = range &+ 1
        var m = next().multipliedFullWidth(by: exclusive)
        if m.low < exclusive {
            let threshold = (UInt64.max &- range) % exclusive
            while m.low < threshold {
                m = next().multipliedFullWidth(by: exclusive)
            }
        }
        return m.high
    }
}

/// The bit buffer of one numpy boolean fill: 32-bit draws consumed from the lowest bit up.
struct BooleanStream {
    private var buffer: UInt32 = 0
    private var remaining = 0

    mutating func next(_ rng: inout NumpyRandom) -> Bool {
        if remaining == 0 {
            buffer = rng.nextUInt32()
            remaining = 31
        } else {
            buffer >>= 1
            remaining -= 1
        }
        return buffer & 1 != 0
    }
}

/// numpy's `SeedSequence` for a single non-negative integer entropy value (no spawn key,
/// pool size 4): O'Neill's seed_seq-style hash mixing.
enum SeedSequence {
    private static let initA: UInt32 = 0x43B0_D7E5
    private static let multA: UInt32 = 0x931E_8875
    private static let initB: UInt32 = 0x8B51_F9DD
    private static let multB: UInt32 = 0x58F3_8DED
    private static let mixMultL: UInt32 = 0xCA01_F9DD
    private static let mixMultR: UInt32 = 0x4973_F715
    private static let poolSize = 4

    /// `SeedSequence(seed).generate_state(words, uint32)`.
    static func generateState(seed: UInt64, words: Int) -> [UInt32] {
        // The integer as little-endian 32-bit words; zero is one word.
        var entropy: [UInt32] = []
        var n = seed
        if n == 0 { entropy.append(0) }
        while n > 0 {
            entropy.append(UInt32(truncatingIfNeeded: n))
            n >>= 32
        }

        var hashConst = initA
        func hashmix(_ value: UInt32) -> UInt32 {
            var v = value ^ hashConst
            hashConst = hashConst &* multA
            v = v &* hashConst
            return v ^ (v >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let r = mixMultL &* x &- mixMultR &* y
            return r ^ (r >> 16)
        }

        var pool = [UInt32](repeating: 0, count: poolSize)
        for i in 0..<poolSize { pool[i] = hashmix(i < entropy.count ? entropy[i] : 0) }
        for source in 0..<poolSize {
            for target in 0..<poolSize where source != target {
                pool[target] = mix(pool[target], hashmix(pool[source]))
            }
        }
        if entropy.count > poolSize {
            for source in poolSize..<entropy.count {
                for target in 0..<poolSize { pool[target] = mix(pool[target], hashmix(entropy[source])) }
            }
        }

        var out = [UInt32](repeating: 0, count: words)
        var outputConst = initB
        for i in 0..<words {
            var v = pool[i % poolSize] ^ outputConst
            outputConst = outputConst &* multB
            v = v &* outputConst
            out[i] = v ^ (v >> 16)
        }
        return out
    }
}
