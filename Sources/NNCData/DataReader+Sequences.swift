import Foundation
import NNCDiagnostics

/// Token and text sequences: one sample per line, `label<TAB>body`.
///
/// - Token files: the body is token ids in decimal, separated by spaces
///   (`3<TAB>12 7 7 431 2`); every id must lie below `vocabularySize`.
/// - Text files: the body is the text itself, to the end of the line (tabs included), read
///   as Unicode scalars and encoded with a `CharacterVocabulary`.
///
/// Each sequence becomes exactly `timesteps` ids: shorter ones are padded and longer ones
/// truncated at the end `padding`/`truncating` name (Keras's `pad_sequences` defaults, `pre`).
/// An empty body is allowed (a sample of padding only).
extension DataReader {
    enum SequenceFormat { case tokens, text }

    static func readSequences(path: String, _ options: SequenceOptions, format: SequenceFormat, mode: LabelMode)
        throws(DataError) -> RawDataset
    {
        let file = try DataFile.loadText(path)
        let text = TextFile(path: path, bytes: file.bytes)
        let scanner = TextScanner(text)
        let lines =
            try format == .tokens
            ? sequenceLines(scanner, mode: mode, kind: "token", body: "ids")
            : sequenceLines(scanner, mode: mode, kind: "text", body: "text")
        let timesteps = options.timesteps
        let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        guard timesteps > 0, let total = NumericArray.product([lines.count, timesteps], 1),
            total <= memory / MemoryLayout<Float>.size
        else {
            throw DataError(
                .dataSizeMismatch,
                "sequences of \(timesteps) ids must fit in memory; '\(path)' has \(lines.count.grouped) of them",
                file: path, help: "use a shorter input or fewer lines")
        }
        var features = [Float](repeating: 0, count: total)
        var vocabulary: CharacterVocabulary?
        var ids: [Int32] = []
        let size: Int
        switch format {
        case .tokens:
            guard Int(options.paddingID) < options.vocabularySize, options.paddingID >= 0 else {
                throw DataError(
                    .labelOutOfRange,
                    "the padding id must lie in 0..<\(options.vocabularySize) (the vocabulary size); got \(options.paddingID)",
                    file: path)
            }
            size = options.vocabularySize
        case .text:
            let built =
                options.vocabulary
                ?? CharacterVocabulary(
                    lines.lazy.flatMap { text.text($0.body.lowerBound, $0.body.upperBound).unicodeScalars })
            guard built.size <= options.vocabularySize else {
                throw DataError(
                    .dataSizeMismatch,
                    "character ids must fit the model's vocabulary; '\(path)' uses \(built.scalars.count) characters, \(built.size) ids with padding and <unk>, but the vocabulary size is \(options.vocabularySize)",
                    file: path, help: "raise the embedding's input_dim to \(built.size)")
            }
            vocabulary = built
            size = built.size
        }
        let padding = format == .tokens ? options.paddingID : CharacterVocabulary.padding
        for (sample, line) in lines.enumerated() {
            ids.removeAll(keepingCapacity: true)
            switch format {
            case .tokens: try tokenIDs(line.body, scanner: scanner, vocabularySize: size, into: &ids)
            case .text:
                ids.append(
                    contentsOf: text.text(line.body.lowerBound, line.body.upperBound).unicodeScalars.map {
                        vocabulary!.id(of: $0)
                    })
            }
            let kept =
                ids.count <= timesteps
                ? ids[...]
                : options.truncating == .pre ? ids[(ids.count - timesteps)...] : ids[..<timesteps]
            let lead = options.padding == .pre ? timesteps - kept.count : 0
            let row = sample * timesteps
            for t in 0..<timesteps { features[row + t] = Float(padding) }
            for (t, id) in kept.enumerated() { features[row + lead + t] = Float(id) }
        }
        return RawDataset(
            name: path, sampleShape: [timesteps], features: features, inputKind: .tokens(vocabulary: size),
            targets: targets(of: lines, mode: mode), vocabulary: vocabulary,
            origin: DataOrigin(.text(text, labelOffsets: lines.map(\.labelOffset))), count: lines.count)
    }

    struct SequenceLine {
        var label: Double
        var labelOffset: Int
        var body: Range<Int>
    }

    /// One label per line, as `mode` asks.
    static func targets(of lines: [SequenceLine], mode: LabelMode) -> Targets {
        switch mode {
        case .classes: .classes(lines.map { Int32($0.label) }, perSample: 1)
        case .values: .values(lines.map { Float($0.label) }, width: 1)
        case .none: .none
        }
    }

    /// Splits every line of a `label<TAB>body` file (tokens, text, trees) at its first tab
    /// and reads the label; `kind` and `body` name the lines and what follows the tab in
    /// messages ("token" lines of "ids"), `labels` their labels.
    static func sequenceLines(
        _ scanner: TextScanner, mode: LabelMode, kind: String, body: String, labels: String = "sequence"
    ) throws(DataError) -> [SequenceLine] {
        var scanner = scanner
        var lines: [SequenceLine] = []
        while let line = scanner.next() {
            guard let tab = line.first(where: { scanner.bytes[$0] == UInt8(ascii: "\t") }) else {
                throw DataError(
                    .malformedRecord,
                    "\(kind) lines are 'label<TAB>\(body)'; line \(scanner.line) has no tab",
                    at: scanner.location(line.lowerBound),
                    label: scanner.text(line).isEmpty ? "blank line" : "no tab on this line",
                    help: "separate the label from the \(body) with one tab character")
            }
            let field = scanner.trimmed(line.lowerBound..<tab, keepTabs: true)
            let label = mode == .none ? 0 : try scanner.label(field, mode: mode, what: labels)
            lines.append(SequenceLine(label: label, labelOffset: field.lowerBound, body: (tab + 1)..<line.upperBound))
            guard lines.count < ArrayHeader.maxRecords else {
                throw DataError(
                    .dataSizeMismatch,
                    "a data file holds at most \(ArrayHeader.maxRecords.grouped) records; '\(scanner.file.path)' holds more",
                    at: scanner.location(line.lowerBound), help: "split the data into several files")
            }
        }
        guard !lines.isEmpty else {
            throw DataError(
                .dataSizeMismatch, "a data file holds at least one record; '\(scanner.file.path)' has none",
                file: scanner.file.path)
        }
        return lines
    }

    /// The largest token id stored exactly (token ids are kept as 32-bit floats until a
    /// batch is filled): 2²⁴.
    static let maxTokenID = 1 << 24

    /// The space-separated ids of `body`, each checked against the vocabulary.
    private static func tokenIDs(_ body: Range<Int>, scanner: TextScanner, vocabularySize: Int, into ids: inout [Int32])
        throws(DataError)
    {
        var start = body.lowerBound
        for i in body.lowerBound...body.upperBound where i == body.upperBound || scanner.bytes[i] == UInt8(ascii: " ") {
            let field = start..<i
            start = i + 1
            if field.isEmpty { continue }
            let text = scanner.text(field)
            guard let id = scanner.digits(field) else {
                throw DataError(
                    .malformedRecord, "token ids are whole numbers ≥ 0 separated by spaces; '\(text)' is not one",
                    at: scanner.location(field.lowerBound), label: "not a token id")
            }
            guard id < vocabularySize, id <= maxTokenID else {
                let bound = min(vocabularySize, maxTokenID + 1)
                throw DataError(
                    .labelOutOfRange,
                    "token ids must lie below the vocabulary size \(bound)\(bound < vocabularySize ? " (the largest vocabulary nnc reads)" : ""); got \(id)",
                    at: scanner.location(field.lowerBound), label: "≥ \(bound)",
                    help: "raise the embedding's input_dim above \(id), or map rare ids to an <unk> id")
            }
            ids.append(Int32(id))
        }
    }
}
