import Foundation
import NNCDiagnostics

/// `trials.jsonl` of a search folder: the search it belongs to on the first line, then one
/// line per event: a trial `started`, reached a halving `rung`, or ended (`finished`, `cut`
/// by halving, `failed`). Rerunning the search reads it back: ended trials are kept, a trial
/// started but not ended is trained again.
public struct TrialLog: Sendable {
    /// What makes two searches the same search (a different one is refused in the folder).
    public struct Search: Codable, Sendable, Equatable {
        public var spec_hash: String
        public var spec_path: String
        public var seed: UInt64
        public var epochs: Int?
        public var metric: String?
        public var halving: Int?
    }

    /// One event of one trial.
    public struct Event: Codable, Sendable, Equatable {
        public var trial: Int
        /// started, rung, finished, cut or failed.
        public var event: String
        /// The sampled values by range name, as the trial's spec writes them.
        public var values: [String: String]?
        /// The ranked metric after each epoch trained so far (null where not finite).
        public var metric: [Double?]?
        /// The trial's best value of the metric so far.
        public var score: Double?
        public var epochs: Int?
        /// The figure `metric` holds (`val_accuracy`), on the events that trained.
        public var ranked_by: String?
        public var error: String?
    }

    public var path: String
    public var search: Search
    public private(set) var events: [Event] = []

    /// Opens the log of `folder`, or starts one; E0543 when the folder holds another search
    /// with a trial that ended (one whose trials all stopped before that, on an error of the
    /// spec or the command, say, is started afresh).
    static func open(folder: String, search: Search, at location: SourceLocation) throws(TrainingFailure) -> TrialLog {
        var log = TrialLog(path: folder + "/trials.jsonl", search: search)
        let text = try? String(contentsOfFile: log.path, encoding: .utf8)
        let lines = text?.split(separator: "\n") ?? []
        let decoder = JSONDecoder()
        let events = lines.dropFirst().compactMap { try? decoder.decode(Event.self, from: Data($0.utf8)) }
        guard text != nil, events.contains(where: { ["finished", "cut", "failed"].contains($0.event) }) else {
            try? FileManager.default.removeItem(atPath: log.path)
            try log.append(line: ["search": search], at: location)
            return log
        }
        guard let first = lines.first,
            let saved = try? decoder.decode([String: Search].self, from: Data(first.utf8))["search"]
        else {
            throw TrainingFailure([
                Diagnostic.error(
                    .tuneFolderMismatch,
                    "a search folder starts its trials.jsonl with its search; '\(log.path)' does not",
                    at: location, help: "give the search another folder with -o DIR, or delete '\(folder)'")
            ])
        }
        guard saved == search else {
            var differences: [String] = []
            if saved.spec_hash != search.spec_hash || saved.spec_path != search.spec_path {
                differences.append(
                    "the spec or its search ranges ('\(saved.spec_path)' then, '\(search.spec_path)' now)")
            }
            if saved.seed != search.seed { differences.append("the seed (\(saved.seed) then, \(search.seed) now)") }
            if saved.epochs != search.epochs {
                differences.append("--epochs (\(Self.text(saved.epochs)) then, \(Self.text(search.epochs)) now)")
            }
            if saved.metric != search.metric {
                differences.append("--metric (\(saved.metric ?? "auto") then, \(search.metric ?? "auto") now)")
            }
            if saved.halving != search.halving {
                differences.append("--halving (\(Self.text(saved.halving)) then, \(Self.text(search.halving)) now)")
            }
            throw TrainingFailure([
                Diagnostic.error(
                    .tuneFolderMismatch,
                    "a search folder resumes only its own search; '\(folder)' holds one that differs in \(differences.count) setting\(differences.count == 1 ? "" : "s")",
                    at: location, notes: differences,
                    help:
                        "rerun the search with its own settings to resume it, or give this one another folder with -o DIR"
                )
            ])
        }
        // A line cut short by a killed process is dropped (its trial is trained again).
        log.events = events
        return log
    }

    static func text(_ value: Int?) -> String { value.map(String.init) ?? "none" }

    /// Appends `event` to the file (E0523 when it cannot be written).
    mutating func append(_ event: Event, at location: SourceLocation) throws(TrainingFailure) {
        try append(line: event, at: location)
        events.append(event)
    }

    private func append<T: Encodable>(line: T, at location: SourceLocation) throws(TrainingFailure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            var data = try encoder.encode(line)
            data.append(0x0A)
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unwritableOutput, "the search's log '\(path)' cannot be written", at: location,
                    notes: ["\(error)"])
            ])
        }
    }

    /// The last event of each trial that has one.
    public var latest: [Int: Event] {
        var last: [Int: Event] = [:]
        for event in events { last[event.trial] = event }
        return last
    }
}
