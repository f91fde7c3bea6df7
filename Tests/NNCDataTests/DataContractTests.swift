import Foundation
import NNCDiagnostics
import Testing

@testable import NNCData

/// The data compared with the model before a batch is filled (issue 12): label shapes
/// against the output and loss, label ranges against the loss, the fills against their
/// buffers, and preprocessing saved with weights against the model.
@Suite struct DataContractTests {
    let scratch = Scratch()

    func mse(output: [Int]) -> DataContract {
        DataContract(input: [4], output: output, outputName: "dense", targets: .values, lossName: "mse")
    }

    let sparse = DataContract(
        input: [4], output: [3], outputName: "dense", targets: .classNumbers,
        lossName: "sparse categorical cross-entropy")

    /// NPY inputs [n, 4] and labels of `shape`, `descr` (zeros unless `labels` given), read as `mode`.
    func npyPair(labels shape: [Int], descr: String = "<f4", values: [UInt8]? = nil, mode: LabelMode) throws
        -> RawDataset
    {
        let count = shape[0]
        let dims = shape.count == 1 ? "\(count)," : shape.map(String.init).joined(separator: ", ")
        let images = scratch.write(
            "x.npy",
            npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (\(count), 4), }",
                littleEndian([Float](repeating: 0, count: count * 4))))
        let size = descr.hasSuffix("1") ? 1 : descr.hasSuffix("8") ? 8 : 4
        let body = values ?? [UInt8](repeating: 0, count: size * shape.reduce(1, *))
        let labels = scratch.write(
            "y.npy", npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }", body))
        return try DataReader.read(.npy(images: images, labels: labels), labels: mode)
    }

    func messages(_ contract: DataContract, _ raw: RawDataset) -> [String] {
        contract.problems(with: raw.summary).map {
            "[\($0.code.rawValue)] \($0.message)" + ($0.help.map { " | help: \($0)" } ?? "")
        }
    }

    @Test func labelsWiderThanTheOutput() throws {
        let path = scratch.url.appendingPathComponent("y.npy").path
        for width in [5000, 30] {
            let raw = try npyPair(labels: [64, width], mode: .values)
            #expect(
                messages(mse(output: [1]), raw) == [
                    "[E0508] mse compares one target with each output value, 1 per sample for the output 'dense' [B, 1]; '\(path)' holds \(width) labels per sample | help: give 'dense' \(width) units (an output of \(width) values per sample), or use labels of 1 value per sample"
                ])
        }
        #expect(messages(mse(output: [30]), try npyPair(labels: [64, 30], mode: .values)).isEmpty)
        #expect(
            messages(mse(output: [5, 6]), try npyPair(labels: [8, 6, 5], mode: .values)).isEmpty,
            "30 targets for 30 outputs, whatever their shape")
    }

    @Test func classLabelsNarrowerThanASequenceOutput() throws {
        let path = scratch.url.appendingPathComponent("y.npy").path
        let contract = DataContract(
            input: [28, 28], output: [28, 10], outputName: "dense_1", targets: .classNumbers,
            lossName: "sparse categorical cross-entropy")
        let raw = try npyPair(labels: [5], descr: "|u1", mode: .classes)
        let problems = contract.problems(with: raw.summary)
        #expect(
            problems.map(\.code) == [.dataSizeMismatch, .labelMismatch], "the [n, 4] inputs do not fit [28, 28] either")
        #expect(
            problems.last?.message
                == "sparse categorical cross-entropy compares one class number per output row (28 per sample) with the output 'dense_1' [B, 28, 10]; '\(path)' holds 1 label per sample"
        )
        #expect(
            problems.last?.help
                == "for one class per sample the output must be [B, 10]: add `- flatten` (or a global pooling layer) before the dense layers, which act on the last axis only, or end a recurrent stack with return_sequences: false"
        )
        // One class per step, as the copy task has them, fits.
        #expect(
            messages(
                DataContract(
                    input: [4], output: [3, 10], outputName: "d", targets: .oneHot,
                    lossName: "categorical cross-entropy"),
                try npyPair(labels: [5, 3], descr: "|u1", mode: .classes)
            ).isEmpty)
    }

    @Test func oneHotLabelsMeetASparseLoss() throws {
        let path = scratch.url.appendingPathComponent("y.npy").path
        let raw = try npyPair(labels: [6, 3], descr: "|u1", mode: .classes)
        #expect(
            messages(sparse, raw) == [
                "[E0508] sparse categorical cross-entropy compares one class number per sample with the output 'dense' [B, 3]; '\(path)' holds 3 labels per sample | help: the labels look one-hot (3 values per sample): save class numbers instead, e.g. numpy.save(path, y.argmax(axis=1))"
            ])
        let two = try npyPair(labels: [6, 2], descr: "|u1", mode: .classes)
        #expect(
            messages(sparse, two).first?.hasPrefix(
                "[E0508] sparse categorical cross-entropy compares one class number per sample") == true)
    }

    @Test func binaryCrossEntropyWantsProbabilities() throws {
        let path = scratch.url.appendingPathComponent("y.npy").path
        let binary = DataContract(
            input: [4], output: [1], outputName: "out", targets: .probabilities, lossName: "binary cross-entropy")
        let digits = try npyPair(labels: [4], descr: "|u1", values: [0, 1, 9, 3], mode: .values)
        #expect(
            messages(binary, digits) == [
                "[E0503] binary cross-entropy compares with probabilities in [0, 1]; record 2 (byte offset 130) of '\(path)' holds 9 | help: the labels look like class numbers 0…9: for 10 classes use a softmax output of 10 units with sparse_categorical_crossentropy"
            ])
        let soft = try npyPair(labels: [3], values: littleEndian([0, 0.25, 1]), mode: .values)
        #expect(messages(binary, soft).isEmpty)
        let negative = try npyPair(labels: [3], values: littleEndian([0, -0.5, 1]), mode: .values)
        #expect(
            messages(binary, negative).first?.hasSuffix(
                "holds -0.5 | help: scale the targets into [0, 1], or use a regression loss (mse) for other values")
                == true)
        // Class numbers for several sigmoid outputs.
        let multi = DataContract(
            input: [4], output: [10], outputName: "out", targets: .probabilities, lossName: "binary cross-entropy")
        #expect(
            messages(multi, digits).first?.contains(
                "for one class number per sample use a softmax output with sparse_categorical_crossentropy") == true,
            "\(messages(multi, digits))")
    }

    @Test func tokenIDsMeetAnEmbeddingOrOneHotInput() throws {
        let raw = try DataReader.read(
            .generated(SequenceTask(.copy, length: 3, samples: 2, seed: 1, symbols: 3, remember: 2)), labels: .classes)
        let lstm = DataContract(
            input: [7], output: [7, 5], outputName: "d", targets: .classNumbers,
            lossName: "sparse categorical cross-entropy")
        #expect(
            lstm.problems(with: raw.summary).map(\.message) == [
                "token ids feed an embedding layer (input [T]) or one-hot vectors (input [T, 5]); the model's input [7] reads real values and 'the copy task' holds token ids [7]"
            ])
        var embedded = lstm
        embedded.vocabulary = 5
        #expect(embedded.problems(with: raw.summary).isEmpty)
        let oneHot = DataContract(
            input: [7, 5], output: [7, 5], outputName: "d", targets: .classNumbers,
            lossName: "sparse categorical cross-entropy")
        #expect(oneHot.problems(with: raw.summary).isEmpty)
        // Real values meet an embedding as token ids, each checked.
        let csv = scratch.write("ids.csv", text: "0,1,2\n1,3,7\n")
        let real = try DataReader.read(.csv(CSVOptions(path: csv)), labels: .classes)
        #expect(try real.asTokenIDs(vocabulary: 8).inputKind == .tokens(vocabulary: 8))
        #expect(
            rendered { _ = try real.asTokenIDs(vocabulary: 5) }.contains(
                """
                \(csv):2:1: error: an embedding reads token ids, whole numbers in 0..<5 (its input_dim); line 2 of '\(csv)' holds 7.0 [E0503]
                """))
    }

    @Test func headersAloneGiveTheShapesToCompare() throws {
        let images = scratch.write(
            "x.npy",
            npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
                littleEndian([Float](repeating: 0, count: 12))))
        let labels = scratch.write(
            "y.npy",
            npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5000), }",
                littleEndian([Float](repeating: 0, count: 15000))))
        // Over the budget the labels are not read: the shape still is.
        let summary = try DataReader.summary(.npy(images: images, labels: labels), labels: .values, budget: 100)
        #expect(summary.sampleShape == [4] && summary.labelShape == [5000] && summary.targets == nil)
        #expect(mse(output: [1]).problems(with: summary).map(\.code) == [.labelMismatch])
        // A large CSV: its first record only.
        let csv = scratch.write("big.csv", text: "a,b,c\n0,1,2\n1,2,3\n" + String(repeating: "1,2,x\n", count: 50))
        let head = try DataReader.summary(.csv(CSVOptions(path: csv, header: true)), labels: .classes, budget: 40)
        #expect(head.sampleShape == [2] && head.labelShape == [] && head.targets == nil)
        // A small one whole, so its labels are checked (and its bad values found).
        #expect(
            rendered { _ = try DataReader.summary(.csv(CSVOptions(path: csv, header: true)), labels: .classes) }
                .contains("'x' is not [E0502]"))
        // The 8 MiB the bomb inflates to are not read for a summary.
        let bomb = HostileDataTests.fixture("inflates-past-header.idx.gz")
        #expect(try DataReader.summary(.idx(images: bomb, labels: bomb), labels: .none).sampleShape == [2, 2])
    }

    // MARK: fills

    @Test func fillsRefuseDestinationsOfAnotherSize() throws {
        let csv = scratch.write("s.csv", text: "2,1,2\n0,3,4\n1,5,6\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: csv)), labels: .classes)
        let filler = try BatchFiller(
            Preprocessing(inputShape: [2], targets: .sparse(classes: 3)).fit(on: raw).apply(to: raw))
        let order: [Int32] = [0, 1, 2]
        var inputs = [Float](repeating: 0, count: 6)
        var ids = [Int32](repeating: 0, count: 3)
        inputs.withUnsafeMutableBufferPointer { buffer in
            // A buffer for 2 samples of 3 values: the same 6 floats, a different row width.
            #expect(
                rendered {
                    try filler.fillInputs(buffer, rows: 2, order: order, positions: 0..<2, epoch: 0, augment: false)
                } == """
                    \(csv): error: a batch fills the model's input buffer with whole samples; '\(csv)' has 2 input values per sample, and the buffer holds 6 values for 2 samples [E0504]
                    help: the data does not fit the model: run `nnc check` on the model for the details

                    """)
            #expect(
                rendered {
                    try filler.fillInputs(buffer, rows: 3, order: order, positions: 1..<5, epoch: 0, augment: false)
                }.contains("[E0504]"))
            #expect(
                rendered {
                    try filler.fillInputs(buffer, rows: 3, order: [0], positions: 0..<1, epoch: 0, augment: false)
                }.contains("outside an order of 1 for 3 samples"))
            // Sparse class ids go to an int32 buffer, never a float one.
            #expect(
                rendered { try filler.fillTargets(buffer, rows: 6, order: order, positions: 0..<3) }.contains("[E0508]")
            )
        }
        ids.withUnsafeMutableBufferPointer { buffer in
            #expect(
                rendered { try filler.fillInputs(buffer, rows: 1, order: order, positions: 0..<1) }.contains("[E0504]"))
            #expect(
                rendered { try filler.fillTargets(buffer, rows: 1, order: order, positions: 0..<1) }.contains(
                    "buffer holds 3 values for 1 samples [E0504]"))
        }
        try filler.fillTargets(&ids, order: order, positions: 0..<3)
        #expect(ids == [2, 0, 1])
        var floats = [Float](repeating: 0, count: 3)
        #expect(rendered { try filler.fillTargets(&floats, order: order, positions: 0..<3) }.contains("[E0508]"))
    }

    @Test func preparedDataSetsAreComparedWithTheModel() throws {
        let csv = scratch.write("s.csv", text: "2,1,2\n0,3,4\n1,5,6\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: csv)), labels: .classes)
        let dataset = try Preprocessing(inputShape: [2], targets: .oneHot(classes: 3)).fit(on: raw).apply(to: raw)
        let fits = DataContract(
            input: [2], output: [3], outputName: "d", targets: .oneHot, lossName: "categorical cross-entropy")
        #expect(fits.problem(with: dataset) == nil)
        // Five classes of one step each are 5 floats, not the 3 × … the output holds.
        let other = DataContract(
            input: [2], output: [5], outputName: "d", targets: .oneHot, lossName: "categorical cross-entropy")
        #expect(other.problem(with: dataset)?.code == .dataSizeMismatch)
        var tokens = fits
        tokens.vocabulary = 10
        #expect(tokens.problem(with: dataset)?.code == .dataSizeMismatch)
    }

    // MARK: saved preprocessing

    func saved(
        standardize: Bool = true, inputShape: String = "[4]", mean: String = "[5.8, 3.1, 3.8, 1.2]",
        deviation: String = "[0.8, 0.4, 1.8, 0.8]",
        targets: String = "{\"sparse\": {\"classes\": 3}}", scale: String? = nil
    ) -> String {
        "{\(scale.map { "\"scale\": \($0), " } ?? "")\"inputShape\": \(inputShape), \"isFitted\": true, \"mean\": \(mean), \"standardDeviation\": \(deviation), \"standardize\": \(standardize), \"targets\": \(targets)}"
    }

    func validation(_ json: String) -> String {
        rendered {
            try Preprocessing.decode(json, file: "w.safetensors").validate(against: sparse, file: "w.safetensors")
        }
    }

    @Test func savedPreprocessingIsValidatedBeforeUse() throws {
        try Preprocessing.decode(saved(), file: "w").validate(against: sparse, file: "w")
        try Preprocessing.decode(saved(standardize: false, mean: "[]", deviation: "[]"), file: "w").validate(
            against: sparse, file: "w")
        #expect(
            validation(saved(mean: "[]")) == """
                w.safetensors: error: the preprocessing saved in 'w.safetensors' holds 0 means and 4 deviations for an input of 4 values [E0507]
                help: train again, or use the weights file the training run wrote

                """)
        #expect(
            validation(saved(deviation: "[0.8, 0.4, 0, 0.8]")).contains(
                "has a standard deviation of 0.0 for feature 2; deviations are positive (a constant feature is saved as 1) [E0507]"
            ))
        #expect(
            validation(saved(deviation: "[0.8, -0.4, 1, 0.8]")).contains(
                "has a standard deviation of -0.4 for feature 1"))
        #expect(
            validation(saved(deviation: "[0.8, 0.4, \"nan\", 0.8]")).contains(
                "has a standard deviation of nan for feature 2"))
        #expect(validation(saved(mean: "[5.8, \"inf\", 3.8, 1.2]")).contains("has a mean of inf for feature 1"))
        #expect(
            validation(saved(targets: "{\"sparse\": {\"classes\": 4611686018427387904}}")).contains(
                "encodes 4611686018427387904 classes, and the model's output 'dense' has 3 [E0507]"))
        #expect(
            validation(saved(targets: "{\"values\": {}}")).contains(
                "encodes targets as values, and the model's loss, sparse categorical cross-entropy, wants class numbers"
            ))
        #expect(
            validation(saved(inputShape: "[4611686018427387904, 4]")).contains(
                "reshapes samples to [4611686018427387904, 4], and the model's input is [4] [E0507]"))
        #expect(validation(saved(scale: "\"inf\"")).contains("scales inputs by inf [E0507]"))
        #expect(validation("{\"inputShape\": [4]}").contains("is missing) [E0507]"))
        #expect(validation("{\"scale\": ").contains("must be the JSON a training run writes; it cannot be read"))
    }

    @Test func preprocessingWithoutStatisticsForAnotherWidthIsRefusedNotTrapped() throws {
        let csv = scratch.write("s.csv", text: "2,1,2\n0,3,4\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: csv)), labels: .classes)
        let empty = try Preprocessing.decode(saved(inputShape: "[2]", mean: "[]"), file: "w")
        #expect(
            rendered { _ = try empty.apply(to: raw) } == """
                \(csv): error: standardization holds a mean and a deviation per feature; it was fitted on 0 features and '\(csv)' has 2 [E0507]
                help: prepare data with the preprocessing of the run that trained on it

                """)
    }
}
