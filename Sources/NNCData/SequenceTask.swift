import Foundation
import NNCDiagnostics

/// Synthetic sequence tasks defined by their papers, generated from a seed. Sample i
/// depends only on (seed, i), so 1,000 samples are the first 1,000 of 10,000.
///
/// - `adding`: the adding problem of Hochreiter & Schmidhuber (1997, experiment 4), in the
///   form of Le, Jaitly & Hinton (2015) and Arjovsky, Shah & Bengio (2016). Each of the
///   `length` steps is [value, marker] with value ∼ U(0, 1); exactly two markers are 1 (the
///   rest 0), one at a uniformly chosen step of the first half (steps 0..<⌊length/2⌋) and
///   one of the second half; the target is the sum of the two marked values. Input
///   [length, 2], one real target. Always answering 1 (the mean) has MSE 1/6 ≈ 0.167, the
///   baseline a model must beat.
/// - `copy`: the copying memory problem as Arjovsky, Shah & Bengio (2016) define it, with
///   the ids of the common implementation (Bai, Kolter & Koltun 2018): 0 is the blank,
///   1...symbols the data symbols, symbols + 1 the delimiter. The input is `remember`
///   symbols drawn uniformly, `length` − 1 blanks, the delimiter, then `remember` blanks;
///   the target is `length` + `remember` blanks, then the same `remember` symbols. Input
///   [length + 2·remember] token ids (vocabulary symbols + 2), one class per step. Always
///   answering blank and then a uniform guess has a cross-entropy of
///   remember·ln(symbols) / (length + 2·remember), the memoryless baseline.
/// - `reverse`: reversal of a digit sequence, the standard first exercise for attention
///   (every output step must look up one other position): `length` digits drawn uniformly
///   as ids 1...symbols (0 is left for padding), the target the same digits in reverse
///   order, one class per step. Input [length] token ids (vocabulary symbols + 1); a
///   model that ignores positions guesses 1/symbols of the digits.
public struct SequenceTask: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case adding, copy, reverse }

    public var kind: Kind
    /// The adding problem's number of steps; the copy task's delay T.
    public var length: Int
    public var samples: Int
    public var seed: UInt64
    /// Copy and reverse tasks: the number of data symbols (8 in the copy paper).
    public var symbols: Int
    /// Copy task: the number of symbols to remember (10 in the paper).
    public var remember: Int

    public init(_ kind: Kind, length: Int, samples: Int, seed: UInt64, symbols: Int = 8, remember: Int = 10) {
        self.kind = kind
        self.length = length
        self.samples = samples
        self.seed = seed
        self.symbols = symbols
        self.remember = remember
    }

    /// The seed of a split's samples when the spec gives none (`generate.seed` unset): the
    /// run's seed mixed with the split's name, so training, validation and test data differ.
    public static func seed(run: UInt64, split: String) -> UInt64 {
        split.utf8.reduce(CounterRandom.mix(run ^ 0x5EED_5EED_5EED_5EED)) { CounterRandom.mix($0 ^ UInt64($1)) }
    }

    /// The per-sample input shape.
    public var sampleShape: [Int] {
        switch kind {
        case .adding: [length, 2]
        case .copy: [length + 2 * remember]
        case .reverse: [length]
        }
    }

    /// Token ids of the copy and reverse tasks' inputs and classes of their targets.
    public var vocabulary: Int { kind == .reverse ? symbols + 1 : symbols + 2 }
    public var blank: Int32 { 0 }
    public var delimiter: Int32 { Int32(symbols + 1) }

    /// Refuses sizes the task cannot be generated with: below the smallest task, ids past
    /// 32 bits, or more values than fit in memory (counted without overflow).
    func checkSizes() throws(DataError) {
        let name = "the \(kind.rawValue) task"
        guard length >= (kind == .adding ? 2 : 1), samples >= 1, symbols >= 1, remember >= 1 else {
            throw DataError(
                .dataSizeMismatch,
                "\(name) needs a length of at least \(kind == .adding ? 2 : 1) and at least one sample, symbol and remembered symbol; got length \(length), samples \(samples), symbols \(symbols), remember \(remember)",
                file: name)
        }
        guard symbols < Int(Int32.max) - 1 else {
            throw DataError(
                .dataSizeMismatch, "token ids are 32-bit; \(name) asks for \(symbols.grouped) symbols", file: name)
        }
        let (twice, o1) = remember.multipliedReportingOverflow(by: 2)
        let (steps, o2) = length.addingReportingOverflow(twice)
        let perSample =
            switch kind {
            case .adding: NumericArray.product([length], 2)
            case .copy: o1 || o2 ? nil : steps
            case .reverse: length
            }
        let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        guard let perSample, let total = NumericArray.product([samples, perSample], 1),
            total <= memory / MemoryLayout<Float>.size
        else {
            throw DataError(
                .dataSizeMismatch,
                "generated data must fit in memory; \(name) asks for \(samples.grouped) samples of \(kind == .adding ? "\(length.grouped)×2" : kind == .copy ? "\(length.grouped) + 2×\(remember.grouped)" : length.grouped) values, more than this machine's \(ArrayHeader.bytes(memory, times: 1)) hold as 32-bit floats",
                file: name, help: "generate fewer samples or shorter sequences")
        }
    }

    /// Refuses labels read another way than the task's targets are.
    func checkLabels(_ mode: LabelMode) throws(DataError) {
        let name = "the \(kind.rawValue) task"
        switch (kind, mode) {
        case (.adding, .classes):
            throw DataError(
                .dataSizeMismatch, "the adding task's targets are real numbers (a sum); it needs a regression loss",
                file: name,
                help: "use loss: mse")
        case (.copy, .values), (.reverse, .values):
            throw DataError(
                .dataSizeMismatch,
                "the \(kind.rawValue) task's targets are symbols, one class per step; it needs a classification loss",
                file: name,
                help: "use loss: sparse_categorical_crossentropy")
        case (.adding, .values), (.adding, .none), (.copy, .classes), (.copy, .none), (.reverse, .classes),
            (.reverse, .none):
            break
        }
    }

    /// What the task's samples are, without generating them.
    var summary: DataSummary {
        let name = "the \(kind.rawValue) task"
        return switch kind {
        case .adding: DataSummary(inputFile: name, labelFile: name, sampleShape: sampleShape, labelShape: [])
        case .copy, .reverse:
            DataSummary(
                inputFile: name, labelFile: name, sampleShape: sampleShape, inputKind: .tokens(vocabulary: vocabulary),
                labelShape: sampleShape)
        }
    }

    func generate(mode: LabelMode) throws(DataError) -> RawDataset {
        try checkSizes()
        try checkLabels(mode)
        let name = "the \(kind.rawValue) task"
        let origin = DataOrigin(.generated(name: name))
        switch kind {
        case .adding:
            var features = [Float](repeating: 0, count: samples * length * 2)
            var targets = [Float](repeating: 0, count: samples)
            for i in 0..<samples {
                var random = CounterRandom(seed: seed, stream: .generate, counter: UInt64(i))
                let half = length / 2
                let first = random.below(half)
                let second = half + random.below(length - half)
                var sum: Float = 0
                for t in 0..<length {
                    let value = random.unitFloat()
                    features[(i * length + t) * 2] = value
                    if t == first || t == second {
                        features[(i * length + t) * 2 + 1] = 1
                        sum += value
                    }
                }
                targets[i] = sum
            }
            return RawDataset(
                name: name, sampleShape: sampleShape, features: features,
                targets: mode == .none ? .none : .values(targets, width: 1), origin: origin, count: samples)
        case .copy:
            let steps = length + 2 * remember
            var features = [Float](repeating: Float(blank), count: samples * steps)
            var targets = [Int32](repeating: blank, count: samples * steps)
            for i in 0..<samples {
                var random = CounterRandom(seed: seed, stream: .generate, counter: UInt64(i))
                for k in 0..<remember {
                    let symbol = Int32(1 + random.below(symbols))
                    features[i * steps + k] = Float(symbol)
                    targets[i * steps + length + remember + k] = symbol
                }
                features[i * steps + remember + length - 1] = Float(delimiter)
            }
            return RawDataset(
                name: name, sampleShape: sampleShape, features: features, inputKind: .tokens(vocabulary: vocabulary),
                targets: mode == .none ? .none : .classes(targets, perSample: steps), origin: origin, count: samples)
        case .reverse:
            var features = [Float](repeating: 0, count: samples * length)
            var targets = [Int32](repeating: 0, count: samples * length)
            for i in 0..<samples {
                var random = CounterRandom(seed: seed, stream: .generate, counter: UInt64(i))
                for t in 0..<length {
                    let digit = Int32(1 + random.below(symbols))
                    features[i * length + t] = Float(digit)
                    targets[i * length + length - 1 - t] = digit
                }
            }
            return RawDataset(
                name: name, sampleShape: sampleShape, features: features, inputKind: .tokens(vocabulary: vocabulary),
                targets: mode == .none ? .none : .classes(targets, perSample: length), origin: origin, count: samples)
        }
    }
}
