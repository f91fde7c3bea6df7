/// "Did you mean" support: the closest known word by edit distance.
public enum Suggestions {
    /// Edit distance between two strings (case-insensitive), counting an insertion, a
    /// deletion, a substitution or a swap of neighbours as one edit (`rleu` → `relu` is 1).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    /// The candidate closest to `word`, if it is close enough to be a plausible typo
    /// (distance at most a third of the word's length, at least 1), or a prefix match.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(word, candidate)
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        let limit = max(1, min(word.count, candidate.count) / 3)
        if distance <= limit { return candidate }
        let lower = word.lowercased()
        if lower.count >= 3, let prefix = candidates.first(where: { $0.hasPrefix(lower) || lower.hasPrefix($0) && $0.count >= 3 }) {
            return prefix
        }
        return nil
    }

    /// "did you mean 'x'?" help text, or nil.
    public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }
}
