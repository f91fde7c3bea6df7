import NNCSpec

/// The fully resolved spec `nnc check --defaults` prints: every section and every layer
/// with all attributes, defaults included, blocks and repeats expanded. Valid YAML that
/// checks to the same model.
public enum ResolvedSpec {
    public static func render(_ spec: ModelSpec) -> String {
        var out = "# fully resolved: every default filled in, blocks and repeats expanded\n"
        out += "model: \(SpecValue.string(spec.name).yamlText)\n"
        if let input = spec.input {
            // Symbolic sizes keep their names.
            let sizes = input.indices.map { axis in spec.symbols.first { $0.axis == axis }?.name ?? String(input[axis])
            }
            out +=
                "input: "
                + (spec.symbols.isEmpty ? SpecValue.ints(input).yamlText : "[\(sizes.joined(separator: ", "))]") + "\n"
        }
        if let output = spec.output { out += "output: \(SpecValue.string(output.name).yamlText)\n" }
        out += "layers:\n"
        for layer in spec.layers {
            var attributes = layer.component.orderedValues.filter { $0.0.name != "name" && $0.0.name != "inputs" }
                .map { "\($0.0.name): \($0.1.value.yamlText)" }
            attributes.insert("inputs: " + SpecValue.names(layer.inputs).yamlText, at: 0)
            attributes.insert("name: " + SpecValue.string(layer.name).yamlText, at: 0)
            out += "  - \(layer.kind.name): {\(attributes.joined(separator: ", "))}\n"
        }
        for (attribute, value) in spec.sections.orderedValues {
            guard !["model", "input", "output", "layers", "blocks"].contains(attribute.name) else { continue }
            switch value.value {
            case .record(let record):
                out += "\(attribute.name):\n" + block(record, indent: "  ")
            case .int, .float, .bool, .string, .ints, .padding, .component, .list, .names:
                out += "\(attribute.name): \(value.value.yamlText)\n"
            }
        }
        return out
    }

    private static func block(_ record: RecordValue, indent: String) -> String {
        var out = ""
        for (attribute, value) in record.orderedValues {
            if case .record(let inner) = value.value {
                out += "\(indent)\(attribute.name):\n" + block(inner, indent: indent + "  ")
            } else {
                out += "\(indent)\(attribute.name): \(value.value.yamlText)\n"
            }
        }
        return out.isEmpty ? "\(indent){}\n" : out
    }
}
