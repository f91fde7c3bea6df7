/// "Did you mean" support: the closest known word by edit distance.
public enum Suggestions {
    /// Words longer than this get no suggestion: no name nnc knows is this long, and the
    /// search must stay cheap whatever the input holds (a 1 MB unknown name).
    public static let longestWord = 64

    /// Edit distance between two strings (case-insensitive), counting an insertion, a
    /// deletion, a substitution or a swap of neighbours as one edit (`rleu` → `relu` is 1).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        editDistance(Array(a.lowercased().unicodeScalars), Array(b.lowercased().unicodeScalars))
    }

    /// The distance on scalar arrays, in three rolling rows (the swap looks two rows back).
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var twoBack = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], twoBack[j - 2] + 1)
                }
            }
            (twoBack, previous, current) = (previous, current, twoBack)
        }
        return previous[b.count]
    }

    /// The candidate closest to `word`, if it is close enough to be a plausible typo
    /// (distance at most a third of the shorter word's length, at least 1), or a prefix match.
    /// Candidates whose length alone rules them out are skipped, and words longer than
    /// `longestWord` get none, so the cost is bounded by the candidates, not the input.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lower = word.lowercased()
        let scalars = Array(lower.unicodeScalars)
        guard scalars.count <= longestWord else { return nil }
        var best: (String, Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased().unicodeScalars)
            let limit = max(1, min(scalars.count, other.count) / 3)
            // The distance is at least the difference in length.
            guard abs(scalars.count - other.count) <= limit else { continue }
            let distance = editDistance(scalars, other)
            if distance <= limit, best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        if let (candidate, _) = best { return candidate }
        if scalars.count >= 3,
            let prefix = candidates.first(where: { $0.hasPrefix(lower) || lower.hasPrefix($0) && $0.count >= 3 })
        {
            return prefix
        }
        return nil
    }

    /// "did you mean 'x'?" help text, or nil.
    public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }

    /// "did you mean 'x'?", or else the whole vocabulary: `known layer kinds: dense, conv2d, …`.
    /// Every unknown name of a closed vocabulary (the registry's kinds, keys, choices) gets
    /// one or the other, so a name with no close match still shows what would be accepted.
    public static func help(_ word: String, in candidates: some Sequence<String>, known: [String], what: String)
        -> String?
    {
        if let suggestion = didYouMean(word, in: candidates) { return suggestion }
        return known.isEmpty ? nil : "known \(what): \(known.joined(separator: ", "))"
    }
}
