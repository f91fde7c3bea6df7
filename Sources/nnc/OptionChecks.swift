import ArgumentParser
import Foundation
import NNCSpec

/// The ranges of the numeric options, the same in every command that takes one, checked in
/// `validate()` so a value out of range is a usage error (exit 64) before any work.
enum OptionChecks {
    /// Worker threads: the thread pool's range.
    static let threads = 1...256
    /// A plan's batch (`--batch`): what the planner and the memory report compile.
    static let batch = 1...1_000_000
    /// Options that override a spec value (`--epochs`, `--batch-size`, `--steps-per-epoch`)
    /// take the range the spec's own integers have.
    static let specInteger = 1...SpecDecoder.largestInteger

    /// The threads to use: the option, or every core (at most `threads.upperBound`).
    static func threads(_ option: Int?) -> Int {
        option ?? min(ProcessInfo.processInfo.activeProcessorCount, threads.upperBound)
    }

    /// Throws unless `value` (when given) lies in `range`.
    static func check(_ value: Int?, _ option: String, in range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError(
            "--\(option) must be between \(range.lowerBound.grouped) and \(range.upperBound.grouped); got \(value)")
    }

    /// Throws unless `value` (when given) is a finite number above 0 and at most `largest`.
    /// ArgumentParser reads `nan`, `inf` and hexadecimal floats as numbers; none is meant.
    static func checkPositive(_ value: Double?, _ option: String, atMost largest: Double) throws {
        guard let value else { return }
        guard value.isFinite, value > 0, value <= largest else {
            throw ValidationError(
                "--\(option) must be a finite number above 0 and at most \(largest.optionText); got \(value)")
        }
    }

    /// Throws unless `value` (when given) is a finite number of at least 0.
    static func checkNonNegative(_ value: Double?, _ option: String) throws {
        guard let value else { return }
        guard value.isFinite, value >= 0 else {
            throw ValidationError("--\(option) must be a finite number of at least 0; got \(value)")
        }
    }
}

extension Double {
    /// `1.5`, `3600`, `1e-05`: the shortest text, without a trailing `.0`.
    var optionText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
