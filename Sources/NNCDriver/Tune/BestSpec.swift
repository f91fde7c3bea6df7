import Foundation
import NNCDiagnostics
import NNCSpec

/// The best trial's spec as a file of its own (`best.yaml` in the search folder): the user's
/// spec with each search range replaced by the trial's value, and each relative data path
/// rewritten to reach the same file from the new folder, so `nnc train best.yaml` trains it.
enum BestSpec {
    static func text(_ text: String, specPath: String, writtenTo path: String) -> String {
        let file = SourceFile(path: specPath, text: text)
        guard let spec = SpecLoader.load(file).0 else { return text }
        let from = (specPath as NSString).deletingLastPathComponent
        let to = (path as NSString).deletingLastPathComponent
        var edits: [(Range<String.Index>, String)] = []
        for (location, value) in paths(in: spec.sections) where !value.hasPrefix("/") {
            guard let start = SearchSpace.index(location, in: file) else { continue }
            let end: String.Index
            if text[start] == "\"" || text[start] == "'" {
                guard let close = text[text.index(after: start)...].firstIndex(of: text[start]) else { continue }
                end = text.index(after: close)
            } else {
                end = text.index(start, offsetBy: value.count, limitedBy: text.endIndex) ?? text.endIndex
                guard text[start..<end] == value else { continue }
            }
            let target = relative(from: to, to: (from as NSString).appendingPathComponent(value))
            edits.append((start..<end, quoted(target)))
        }
        var out = text
        for (range, replacement) in edits.sorted(by: { $0.0.lowerBound > $1.0.lowerBound }) {
            out.replaceSubrange(range, with: replacement)
        }
        return out
    }

    /// Every path value written in a record and the records inside it, with its location.
    static func paths(in record: RecordValue) -> [(SourceLocation, String)] {
        record.orderedValues.flatMap { attribute, value -> [(SourceLocation, String)] in
            if case .path = attribute.type, case .string(let path) = value.value, !value.isDefault {
                return [(value.location, path)]
            }
            if case .record(let inner) = value.value { return paths(in: inner) }
            return []
        }
    }

    /// `target` as seen from the folder `base` (both taken from the working directory);
    /// absolute when they share no folder.
    static func relative(from base: String, to target: String) -> String {
        func components(_ path: String) -> [String] {
            let absolute =
                path.hasPrefix("/")
                ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
            return URL(fileURLWithPath: absolute).standardizedFileURL.pathComponents.filter { $0 != "/" }
        }
        let a = components(base.isEmpty ? "." : base)
        let b = components(target)
        var common = 0
        while common < min(a.count, b.count) && a[common] == b[common] { common += 1 }
        // Folders with nothing in common (other than /): the absolute path reads better.
        if common == 0 { return "/" + b.joined(separator: "/") }
        return (Array(repeating: "..", count: a.count - common) + b[common...]).joined(separator: "/")
    }

    static func quoted(_ s: String) -> String {
        let plain = !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "_-./".contains($0) }
        return plain
            ? s
            : "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
