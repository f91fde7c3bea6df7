/// One way a data file reaches a model in the data fuzzer: the format, the file that is
/// fuzzed, the valid files beside it, the model that reads them, and a valid example of
/// the fuzzed file (the seed the corpus starts from).
struct DataKind {
    var name: String
    var fuzzed: String
    var companions: [String: [UInt8]]
    var spec: String
    var seed: [UInt8]

    /// The kinds, by the input's first byte (modulo their count): keep the order, the corpus depends on it.
    static let all: [DataKind] =
        [
            DataKind(
                name: "idx-images", fuzzed: "images.idx", companions: ["labels.idx": idxLabels],
                spec: imageModel(loss: "sparse_categorical_crossentropy", preprocess: "{scale: 1/255}"), seed: idxImages
            ),
            DataKind(
                name: "idx-labels-one-hot", fuzzed: "labels.idx", companions: ["images.idx": idxImages],
                spec: imageModel(loss: "categorical_crossentropy", preprocess: "{scale: 1/255, one_hot: true}"),
                seed: idxLabels),
            DataKind(
                name: "npy-inputs", fuzzed: "x.npy",
                companions: ["y.npy": npy("<i8", [6], int64s([0, 1, 2, 0, 1, 2]))],
                spec: vectorModel(
                    units: 3, activation: "softmax", loss: "sparse_categorical_crossentropy",
                    train: "{images: x.npy, labels: y.npy}", preprocess: "{standardize: true}"),
                seed: npyInputs),
            DataKind(
                name: "npy-regression-labels", fuzzed: "y.npy", companions: ["x.npy": npyInputs],
                spec: vectorModel(
                    units: 2, activation: "linear", loss: "mse", train: "{images: x.npy, labels: y.npy}",
                    preprocess: nil),
                seed: npy("<f4", [6, 2], float32s([0.5, -1, 2, 0, 1, 1, 3, 0.25, -2, 1, 0, 0]))),
            DataKind(
                name: "npy-binary-labels", fuzzed: "y.npy", companions: ["x.npy": npyInputs],
                spec: vectorModel(
                    units: 1, activation: "sigmoid", loss: "binary_crossentropy",
                    train: "{images: x.npy, labels: y.npy}",
                    preprocess: nil),
                seed: npy("<f4", [6], float32s([0, 1, 1, 0, 1, 0]))),
            DataKind(
                name: "csv-classes", fuzzed: "data.csv", companions: [:],
                spec: vectorModel(
                    units: 3, activation: "softmax", loss: "sparse_categorical_crossentropy",
                    train: "{path: data.csv, label_column: 0}", preprocess: "{standardize: true, classes: 3}"),
                seed: Array(
                    "0,5.1,3.5,1.4,0.2\n1,7.0,3.2,4.7,1.4\n2,6.3,3.3,6.0,2.5\n0,4.9,3.0,1.4,0.2\n1,6.4,3.2,4.5,1.5\n2,5.8,2.7,5.1,1.9\n"
                        .utf8)),
            DataKind(
                name: "csv-header-regression", fuzzed: "data.csv", companions: [:],
                spec: vectorModel(
                    units: 1, activation: "linear", loss: "mse",
                    train: "{path: data.csv, header: true, label_column: -1, delimiter: ';'}", preprocess: nil),
                seed: Array(
                    "a;b;c;d;y\n1;2;3;4;0.5\n-1;0;2.5;1e3;7\n0;0;0;0;0\n1;1;1;1;-1\n2;2;2;2;2\n3;3;3;3;3\n".utf8)),
            DataKind(
                name: "tokens", fuzzed: "tokens.txt", companions: [:],
                spec: sequenceModel(format: "tokens", vocabulary: 20),
                seed: Array("1\t3 4 5\n0\t7 8\n1\t1 2 3 4 5 6 7\n0\t19\n1\t9 9\n0\t2\n".utf8)),
            DataKind(
                name: "text", fuzzed: "text.txt", companions: [:],
                spec: sequenceModel(format: "text", vocabulary: 64),
                seed: Array("1\tgood film\n0\tbad\n1\tfine, fine\n0\tno\n1\tyes!\n0\tmeh\n".utf8)),
        ] + imageKinds + [trees]

    /// Trees of up to 5 nodes and 2 children a node, read into input [5, 3] and run through a
    /// Tree-LSTM (its kernels read each tree's rows).
    static let trees = DataKind(
        name: "trees", fuzzed: "trees.txt", companions: [:],
        spec: """
            model: fuzz_trees
            input: [5, 3]
            layers:
              - tree_lstm: {units: 3, input_dim: 12, embedding_dim: 2}
              - dense: {units: 2, activation: softmax}
            loss: sparse_categorical_crossentropy
            train: {epochs: 1, batch_size: 2, seed: 1}
            data:
              train: {format: trees, path: trees.txt}
              test_split: 0.34

            """,
        seed: Array("1\t(10 (11 3 4) 7)\n0\t7\n1\t(11 (10 1 2) 3)\n0\t(2)\n1\t( 10  4 5 )\n0\t(11 1 (10 2 3))\n".utf8))

    static func imageModel(loss: String, preprocess: String) -> String {
        """
        model: fuzz_images
        input: [4, 4]
        layers:
          - flatten
          - dense: {units: 3, activation: softmax}
        loss: \(loss)
        metrics: [accuracy]
        train: {epochs: 1, batch_size: 2, seed: 1}
        data:
          train: {images: images.idx, labels: labels.idx}
          test_split: 0.34
          preprocess: \(preprocess)
          augment: {shift: 1, flip: horizontal}

        """
    }

    static func vectorModel(units: Int, activation: String, loss: String, train: String, preprocess: String?) -> String
    {
        """
        model: fuzz_vectors
        input: [4]
        layers:
          - dense: {units: 5, activation: relu}
          - dense: {units: \(units), activation: \(activation)}
        loss: \(loss)
        train: {epochs: 1, batch_size: 2, seed: 1, validation_split: 0.2}
        data:
          train: \(train)
        \(preprocess.map { "  preprocess: \($0)" } ?? "")

        """
    }

    static func sequenceModel(format: String, vocabulary: Int) -> String {
        """
        model: fuzz_sequences
        input: [5]
        layers:
          - embedding: {input_dim: \(vocabulary), output_dim: 3, padding_index: 0}
          - lstm: 4
          - dense: {units: 2, activation: softmax}
        loss: sparse_categorical_crossentropy
        train: {epochs: 1, batch_size: 2, seed: 1}
        data:
          train: {format: \(format), path: \(format).txt, padding: post, truncating: post}
          test_split: 0.34

        """
    }

    /// Six 4×4 byte images and their classes, as IDX files.
    static let idxImages = idx(0x08, [6, 4, 4], (0..<96).map { UInt8(($0 * 37) % 256) })
    static let idxLabels = idx(0x08, [6], [0, 1, 2, 0, 1, 2])
    static let npyInputs = npy("<f4", [6, 4], float32s((0..<24).map { Float($0 % 7) - 3 }))

    /// An IDX file: two zero bytes, the element type, the rank, big-endian dimensions, the values.
    static func idx(_ type: UInt8, _ dims: [Int], _ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: d >> $0) } }
        return bytes + payload
    }

    /// An NPY (version 1.0) file of a C-ordered array.
    static func npy(_ descr: String, _ shape: [Int], _ payload: [UInt8]) -> [UInt8] {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let count = header.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(count & 0xFF), UInt8(count >> 8)] + Array(header.utf8)
            + payload
    }

    static func float32s(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: v.bitPattern >> $0) } }
    }

    static func int64s(_ values: [Int64]) -> [UInt8] {
        values.flatMap { v in stride(from: 0, to: 64, by: 8).map { UInt8(truncatingIfNeeded: v >> $0) } }
    }
}
