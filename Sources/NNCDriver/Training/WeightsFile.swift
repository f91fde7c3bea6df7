import Foundation
import NNCData
import NNCRuntime
import NNCSpec

/// Reading weights and checkpoints as the untrusted files they are: one place that opens a
/// safetensors file, reports its structural damage (E0522), its NaN or infinite values
/// (E0524) and metadata that does not decode, each naming the file and the tensor or field.
enum WeightsFile {
    /// Reads `path`; `role` says what it is for ("a weights file", "a checkpoint"), `shown`
    /// how the message names the file (the path as the spec wrote it).
    static func read(
        _ path: String, role: String, shown: String? = nil, at location: SourceLocation, notes: [String] = [],
        help: String? = nil
    ) throws(TrainingFailure) -> SafeTensors {
        do {
            return try SafeTensors(contentsOf: path)
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unreadableWeights, "\(role) must be a readable safetensors file; '\(shown ?? path)': \(error)",
                    at: location, notes: notes, help: help)
            ])
        }
    }

    /// Refuses a file whose tensors (of `names`, or all) hold NaN or infinite values: a model
    /// loaded with them computes NaN, or hides it behind a ReLU and trains on garbage.
    static func requireFinite(
        _ file: SafeTensors, path: String, among names: Set<String>? = nil,
        at location: SourceLocation, help: String
    ) throws(TrainingFailure) {
        if let diagnostic = nonFinite(file, path: path, among: names, at: location, help: help) {
            throw TrainingFailure([diagnostic])
        }
    }

    /// The error for a file whose tensors (of `names`, or all) hold NaN or infinite values,
    /// each named with its count and the first bad value's index; nil when all are finite.
    static func nonFinite(
        _ file: SafeTensors, path: String, among names: Set<String>? = nil,
        at location: SourceLocation, help: String
    ) -> Diagnostic? {
        let bad = file.nonFinite(among: names)
        guard !bad.isEmpty else { return nil }
        let shown = bad.prefix(8).map(\.description) + (bad.count > 8 ? ["and \(bad.count - 8) more tensors"] : [])
        return Diagnostic.error(
            .nonFiniteWeights,
            "weights must be finite numbers; \(bad.count) tensor\(bad.count == 1 ? "" : "s") of '\(path)' hold\(bad.count == 1 ? "s" : "") NaN or infinite values",
            at: location, notes: shown, help: help)
    }

    /// Decodes a JSON metadata entry; nil when the file has none, an error naming the entry
    /// when it has one that does not decode (instead of silently acting as if it had none).
    static func metadata<T: Decodable>(
        _ type: T.Type, _ key: String, of file: SafeTensors, path: String,
        at location: SourceLocation
    ) throws(TrainingFailure) -> T? {
        guard let text = file.metadata[key] else { return nil }
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unreadableWeights, "the metadata '\(key)' of '\(path)' is damaged: \(describe(error))",
                    at: location, help: "use the file as nnc train wrote it, or train again")
            ])
        }
    }

    /// The decoder of metadata: non-finite numbers as the encoder writes them ("nan", "inf").
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// A decoding error as the field path and what is wrong.
    static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : text
        }
        guard let error = error as? DecodingError else { return "it is not valid JSON" }
        switch error {
        case .typeMismatch(let type, let context): return "'\(path(context.codingPath))' is not a \(type)"
        case .valueNotFound(let type, let context): return "'\(path(context.codingPath))' has no \(type) value"
        case .keyNotFound(let key, let context): return "'\(path(context.codingPath + [key]))' is missing"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "it is not valid JSON" : "'\(path(context.codingPath))' is not valid: \(context.debugDescription)"
        @unknown default: return "it is not valid"
        }
    }
}
