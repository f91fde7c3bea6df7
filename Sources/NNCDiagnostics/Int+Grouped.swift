extension Int {
    /// `100480` → `100,480`, as counts are printed in messages and summaries.
    public var grouped: String {
        let digits = String(magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return self < 0 ? "-" + out : out
    }
}

extension Int {
    /// `1 layer`, `2 layers`, `1,000 samples`: the count, grouped, with the noun in the
    /// number it needs. `plural` is for nouns that do not just add an s (`1 class`, `2 classes`).
    public func counted(_ noun: String, plural: String? = nil) -> String {
        "\(grouped) \(self.noun(noun, plural: plural))"
    }

    /// The noun alone in the number this count needs: `"\(n) \(n.noun("step"))"` where the
    /// count is printed as is.
    public func noun(_ noun: String, plural: String? = nil) -> String {
        self == 1 ? noun : plural ?? noun + "s"
    }
}
