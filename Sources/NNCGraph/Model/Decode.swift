import NNCDiagnostics
import NNCSpec

/// Reads of decoded attributes for the typed model. The spec decoder has already filled
/// every registry default into a valid component; a value is absent only where decoding
/// failed (already reported, and such a graph never compiles), and then the registry's
/// default is read here, so no other stage repeats a default.
protocol RegistryDecoded: AttributeContainer {
    /// The registry's definition of the attribute `name`.
    func attribute(_ name: String) -> Attribute?
}

extension ComponentSpec: RegistryDecoded {
    func attribute(_ name: String) -> Attribute? { kind.attribute(name) }
}

extension RecordValue: RegistryDecoded {
    func attribute(_ name: String) -> Attribute? { schema.attribute(name) }
}

extension RegistryDecoded {
    /// The registry's default of `name`, as written in the registry.
    fileprivate func defaultText(_ name: String) -> String? {
        if case .value(let text)? = attribute(name)?.default { text } else { nil }
    }

    func number(_ name: String) -> Double { double(name) ?? defaultText(name).flatMap(Double.init) ?? 0 }
    func integer(_ name: String) -> Int { int(name) ?? defaultText(name).flatMap(Int.init) ?? 0 }
    func flag(_ name: String) -> Bool { bool(name) ?? (defaultText(name) == "true") }
    func text(_ name: String) -> String { string(name) ?? defaultText(name) ?? "" }

    /// A `choice` attribute with a registry default, as its case: the decoder admits only
    /// the registry's choices, and a value that failed to decode reads as the default.
    func choice<Choice: RawRepresentable>(_ name: String) -> Choice where Choice.RawValue == String {
        guard let value = Choice(rawValue: text(name)) else {
            preconditionFailure("'\(text(name))' of '\(name)' has no case in \(Choice.self)")
        }
        return value
    }

    /// A component attribute: given, the registry's default kind, or nil when it has none.
    func decodedComponent(_ name: String) -> ComponentSpec? {
        if let c = component(name) { return c }
        guard case .component(let family)? = attribute(name)?.type, let text = defaultText(name),
            let kind = family.kind(text)
        else { return nil }
        return ComponentSpec(kind: kind, location: SourceLocation(file: nil, line: 0, column: 0))
    }

    /// A component attribute the registry gives a default: given, or the default kind.
    func defaultedComponent(_ name: String) -> ComponentSpec {
        guard let c = decodedComponent(name) else { preconditionFailure("the registry gives '\(name)' no default") }
        return c
    }
}

extension RecordValue {
    /// A section the spec left out (or that failed to decode): every value reads as the registry's default.
    static func defaults(_ schema: RecordSchema) -> RecordValue {
        RecordValue(schema: schema, location: SourceLocation(file: nil, line: 0, column: 0))
    }
}

/// A component the spec left out (its section failed to decode): the registry kind with
/// every attribute at its default.
func defaultComponent(_ family: Family, _ name: String) -> ComponentSpec {
    guard let kind = family.kind(name) else { preconditionFailure("the registry has no \(family.name) '\(name)'") }
    return ComponentSpec(kind: kind, location: SourceLocation(file: nil, line: 0, column: 0))
}

extension ActivationFunction {
    /// The function of an `activation:` component; nil for softmax (a row op, not elementwise).
    init?(decoding c: ComponentSpec) {
        if c.kind.name == "softmax" { return nil }
        guard let kind = Activation(rawValue: c.kind.name) else {
            preconditionFailure("activation '\(c.kind.name)' has no case")
        }
        let parameter: Double =
            switch kind {
            case .leakyRelu, .elu: c.number("alpha")
            case .swish: c.number("beta")
            case .linear, .relu, .selu, .sigmoid, .tanh, .lecunTanh, .softplus, .mish: 0
            }
        self.init(kind, parameter: parameter)
    }
}

extension LayerActivation {
    init(decoding c: ComponentSpec) {
        if let f = ActivationFunction(decoding: c) {
            self = f.kind == .swish && c.flag("learnable") ? .learnedSwish(initialBeta: f.parameter) : .function(f)
        } else {
            self = .softmax
        }
    }
}

extension Initializer {
    init(decoding c: ComponentSpec) {
        switch c.kind.name {
        case "zeros": self = .zeros
        case "ones": self = .ones
        case "constant": self = .constant(c.number("value"))
        case "uniform": self = .uniform(a: c.number("a"), b: c.number("b"))
        case "normal": self = .normal(mean: c.number("mean"), std: c.number("std"))
        case "glorot_uniform": self = .glorotUniform
        case "glorot_normal": self = .glorotNormal
        case "he_uniform": self = .heUniform
        case "he_normal": self = .heNormal
        case "lecun_uniform": self = .lecunUniform
        case "lecun_normal": self = .lecunNormal
        case "orthogonal": self = .orthogonal(gain: c.number("gain"))
        default: preconditionFailure("initializer '\(c.kind.name)' has no case")
        }
    }
}

extension Regularizer {
    /// l1, l2 or l1_l2 (a factor the kind does not have is 0).
    init(decoding c: ComponentSpec) {
        self.init(
            l1: c.has("l1") || c.kind.attribute("l1") != nil ? c.number("l1") : 0,
            l2: c.has("l2") || c.kind.attribute("l2") != nil ? c.number("l2") : 0)
    }
}

extension WeightConstraint {
    init(decoding c: ComponentSpec) {
        switch c.kind.name {
        case "max_norm": self = .maxNorm(c.number("value"))
        case "non_neg": self = .nonNegative
        case "unit_norm": self = .unitNorm
        default: preconditionFailure("constraint '\(c.kind.name)' has no case")
        }
    }
}
