/// numpy's reduction order for `sum` / `mean` of a contiguous 1-D float array.
///
/// numpy starts from the additive identity and adds the result of its pairwise summation:
/// fewer than 8 values are added left to right; up to 128 values go into 8 interleaved partial
/// sums combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))` followed by the remainder; longer
/// runs split at half the length rounded down to a multiple of 8. The reference libraries average
/// with it (scikit-learn's macro means, sacrebleu's bootstrap means), and the last bits of those
/// averages depend on it.
enum NumpySummation {
    static func pairwiseSum<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>) -> T {
        var n = values.count
        guard n > 0 else { return 0 }
        guard let base = values.baseAddress else { return 0 }
        if n < 8 {
            var r: T = 0
            for i in 0..<n { r += base[i] }
            return r
        }
        if n <= 128 {
            var r0 = base[0], r1 = base[1], r2 = base[2], r3 = base[3]
            var r4 = base[4], r5 = base[5], r6 = base[6], r7 = base[7]
            var i = 8
            let unrolled = n - n % 8
            while i < unrolled {
                r0 += base[i]; r1 += base[i + 1]; r2 += base[i + 2]; r3 += base[i + 3]
                r4 += base[i + 4]; r5 += base[i + 5]; r6 += base[i + 6]; r7 += base[i + 7]
                i += 8
            }
            var r = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n { r += base[i]; i += 1 }
            return r
        }
        var half = n / 2
        half -= half % 8
        let left = pairwiseSum(UnsafeBufferPointer(rebasing: values[0..<half]))
        n -= half
        let right = pairwiseSum(UnsafeBufferPointer(rebasing: values[half..<(half + n)]))
        return left + right
    }

    /// `numpy.sum(values)` (identity 0 plus the pairwise sum).
    static func sum<T: BinaryFloatingPoint>(_ values: [T]) -> T {
        values.withUnsafeBufferPointer { 0 + pairwiseSum($0) }
    }

    /// `numpy.mean(values)` in the array's own precision: the sum divided by the count.
    static func mean<T: BinaryFloatingPoint>(_ values: [T]) -> T {
        sum(values) / T(values.count)
    }
}
