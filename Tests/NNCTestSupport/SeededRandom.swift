import NNCRuntime

/// The tests' deterministic generator: the runtime's SplitMix64 (the one seeds reproduce
/// weights and masks with), not a second copy of it.
public typealias SeededRandom = SplitMix64

extension SeededRandom {
    /// Uniform in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// Test data: uniform in [−1, 1] on a grid of 1/1000, so exact zeros and ties occur.
    public mutating func float() -> Float { Float(int(-1000...1000)) / 1000 }

    public mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in float() } }
}
