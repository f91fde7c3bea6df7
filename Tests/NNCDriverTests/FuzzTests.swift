import Foundation
import NNCDriver
import NNCRuntime
import NNCSpec
import Testing

/// Random mutations of every model file must end in a result or in diagnostics: never a
/// crash (which would kill this test process), never a hang. Seeded, so a failure replays.
@Suite struct FuzzTests {
    struct Mutator {
        var rng: SplitMix64
        init(state: UInt64) { rng = SplitMix64(seed: state) }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

        static let alphabet = Array(":{}[],-#  \n\t\"'$0123456789abcxyz_./|>&*!%@")
        static let numbers = [
            "0", "-1", "1e309", "99999999999999999999", "1/0", "0.5", "3", "-0", "nan", "2147483648", "1_0",
        ]

        mutating func mutate(_ text: String) -> String {
            var chars = Array(text)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            switch below(8) {
            case 7:  // make a layer read itself or a later layer: cycles the text rarely forms by chance
                let named = lines.indices.filter { lines[$0].contains("name: ") }
                guard named.count >= 1 else { return text }
                let i = named[below(named.count)]
                let j = named[below(named.count)]
                let name = lines[j].components(separatedBy: "name: ")[1].prefix {
                    $0.isLetter || $0.isNumber || $0 == "_"
                }
                if lines[i].contains("inputs: [") {
                    lines[i] = lines[i].replacingOccurrences(of: "inputs: [", with: "inputs: [\(name), ")
                } else if let brace = lines[i].lastIndex(of: "}") {
                    lines[i].insert(contentsOf: ", inputs: [\(name)]", at: brace)
                }
            case 0 where !chars.isEmpty:  // delete a run of characters
                let start = below(chars.count)
                let length = 1 + below(8)
                chars.removeSubrange(start..<min(chars.count, start + length))
                return String(chars)
            case 1:  // insert a character
                chars.insert(Self.alphabet[below(Self.alphabet.count)], at: below(chars.count + 1))
                return String(chars)
            case 2 where lines.count > 1:  // duplicate a line
                let i = below(lines.count)
                lines.insert(lines[i], at: i)
            case 3 where lines.count > 1:  // swap two lines
                lines.swapAt(below(lines.count), below(lines.count))
            case 4:  // replace a number
                let digits = chars.indices.filter { chars[$0].isNumber }
                guard let at = digits.isEmpty ? nil : digits[below(digits.count)] else { return text }
                var end = at
                while end < chars.count, chars[end].isNumber { end += 1 }
                chars.replaceSubrange(at..<end, with: Array(Self.numbers[below(Self.numbers.count)]))
                return String(chars)
            case 5:  // truncate
                return String(chars.prefix(below(chars.count + 1)))
            default:  // re-indent a line
                let i = below(lines.count)
                lines[i] = String(repeating: " ", count: below(6)) + lines[i].drop { $0 == " " }
            }
            return lines.joined(separator: "\n")
        }
    }

    @Test(arguments: Repo.modelFiles)
    func mutatedModelsNeverCrash(_ file: String) throws {
        let url = Repo.models.appendingPathComponent(file)
        let original = try String(contentsOf: url, encoding: .utf8)
        var mutator = Mutator(state: UInt64(truncatingIfNeeded: file.utf8.reduce(5381) { ($0 << 5) &+ $0 &+ Int($1) }))
        // Large files are slow to check in debug builds; they get fewer rounds.
        let rounds = original.count > 20_000 ? 10 : 60
        for round in 0..<rounds {
            var text = original
            for _ in 0...mutator.below(3) { text = mutator.mutate(text) }
            let result = Driver.check(SourceFile(path: url.path, text: text))
            // Either it checks (possibly with warnings) or it says why not, with a location.
            if result.hasErrors {
                #expect(
                    result.errors.allSatisfy { $0.location.file != nil }, "round \(round): an error without a location")
            } else {
                #expect(result.graph != nil, "round \(round): no errors but no graph")
            }
        }
    }

    @Test func arbitraryBytesNeverCrash() {
        var mutator = Mutator(state: 7)
        for _ in 0..<300 {
            let length = mutator.below(200)
            let text = String((0..<length).map { _ in Mutator.alphabet[mutator.below(Mutator.alphabet.count)] })
            for path in ["fuzz.yaml", "fuzz.nn"] {
                let result = Driver.check(SourceFile(path: path, text: text))
                #expect(result.hasErrors || result.graph != nil)
            }
        }
    }
}
