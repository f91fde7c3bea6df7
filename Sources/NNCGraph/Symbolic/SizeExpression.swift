/// A per-sample size written in terms of the input's symbolic sizes (`input: [T, 128]`):
/// what `check` and `summary` print for an axis that depends on a symbol, e.g.
/// `⌊(H + 2·1 − 3)/2⌋ + 1`.
public indirect enum SizeExpression: Sendable, Equatable, CustomStringConvertible {
    case number(Int)
    case symbol(String)
    /// A floor-rounded window over `input` with constant padding: ⌊(x + pads − d·(k − 1) − 1)/s⌋ + 1.
    /// The arithmetic's own `input` is not used.
    case window(SizeExpression, ConvArithmetic)
    /// `same` padding: ⌈x/s⌉.
    case ceilDivided(SizeExpression, by: Int)
    /// A product (flatten).
    case product([SizeExpression])
    /// A sum (concatenation along the axis).
    case sum([SizeExpression])

    /// The size for these values of the symbols (0 for an empty window).
    public func value(_ values: [String: Int]) -> Int {
        switch self {
        case .number(let n): return n
        case .symbol(let name): return values[name] ?? 0
        case .window(let x, var a):
            a.input = x.value(values)
            return a.kernelFits ? a.output : 0
        case .ceilDivided(let x, let s): return (x.value(values) + s - 1) / s
        case .product(let factors): return factors.reduce(1) { $0 * $1.value(values) }
        case .sum(let terms): return terms.reduce(0) { $0 + $1.value(values) }
        }
    }

    /// The symbols it is written in.
    public var symbols: Set<String> {
        switch self {
        case .number: []
        case .symbol(let name): [name]
        case .window(let x, _), .ceilDivided(let x, _): x.symbols
        case .product(let parts), .sum(let parts): parts.reduce(into: Set<String>()) { $0.formUnion($1.symbols) }
        }
    }

    public var description: String {
        switch self {
        case .number(let n): return String(n)
        case .symbol(let name): return name
        case .window(let x, let a):
            var inner = x.description
            if a.padLow == a.padHigh, a.padLow > 0 {
                inner += " + 2·\(a.padLow)"
            } else if a.padLow + a.padHigh > 0 {
                inner += " + \(a.padLow) + \(a.padHigh)"
            }
            inner += a.dilation > 1 ? " − \(a.dilation)·(\(a.kernel) − 1) − 1" : " − \(a.kernel)"
            return (a.stride == 1 ? "(\(inner))" : "⌊(\(inner))/\(a.stride)⌋") + " + 1"
        case .ceilDivided(let x, let s): return "⌈\(x)/\(s)⌉"
        case .product(let factors):
            let numbers = factors.compactMap { if case .number(let n) = $0 { n } else { nil } }
            let others = factors.filter { if case .number = $0 { false } else { true } }
            let constant = numbers.reduce(1, *)
            let parts = (constant == 1 && !others.isEmpty ? [] : [String(constant)]) + others.map(\.factorText)
            return parts.joined(separator: "·")
        case .sum(let terms): return terms.map(\.description).joined(separator: " + ")
        }
    }

    /// Parenthesized where a sum would bind wrongly under a product.
    private var factorText: String {
        switch self {
        case .number, .symbol, .ceilDivided, .product: description
        case .window, .sum: "(\(description))"
        }
    }
}
