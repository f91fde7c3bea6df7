import NNCRuntime

/// The tests' deterministic generator: the runtime's SplitMix64 (the one seeds reproduce
/// weights and masks with), not a second copy of it.
public typealias SeededRandom = SplitMix64
