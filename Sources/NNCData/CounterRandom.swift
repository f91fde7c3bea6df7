/// Random numbers that are a pure function of where they are used: (seed, stream, counter,
/// sub-counter) hashed into a starting state, then a SplitMix64 sequence from it. Epoch e's
/// shuffle, the augmentation of position p in epoch e, and generated sample i are each
/// computed from scratch, so a run resumed at any batch makes exactly the choices an
/// uninterrupted run made; there is no streaming generator state to save.
struct CounterRandom {
    /// Independent uses of one seed.
    enum Stream: UInt64 {
        case split = 1, shuffle, augment, generate, bootstrap
    }

    private var state: UInt64

    init(seed: UInt64, stream: Stream, counter: UInt64, _ subCounter: UInt64 = 0) {
        var h = Self.mix(seed ^ 0x6A09_E667_F3BC_C908)
        h = Self.mix(h ^ (stream.rawValue &* 0x9E37_79B9_7F4A_7C15))
        h = Self.mix(h ^ counter)
        state = Self.mix(h ^ (subCounter &* 0xD1B5_4A32_D192_ED03))
    }

    /// A 64-bit finalizer (Stafford's mix13, as in SplitMix64): every input bit affects
    /// every output bit.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// Uniform in 0..<n, unbiased (Lemire's multiply-and-reject).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// Uniform in [0, 1) with 24 random bits (every Float multiple of 2⁻²⁴).
    mutating func unitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Fisher–Yates, written out so the order never depends on the standard library's
    /// shuffle algorithm.
    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, below(i + 1)) }
    }

    /// Fair coin.
    mutating func coin() -> Bool { next() >> 63 == 1 }
}
