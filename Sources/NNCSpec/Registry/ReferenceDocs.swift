/// Generates Grammar/reference.md, the reference of every layer kind, component and
/// section with attributes, types and defaults — from the registry, like the JSON Schema,
/// so docs and parser cannot drift apart (a test compares it with the committed copy).
public enum ReferenceDocs {
    public static func generate() -> String {
        var out = "# nnc spec reference\n\n"
        out += "Generated from the layer registry by `nnc schema --reference`; do not edit by hand.\n"
        out += "Every component is written `name`, `{name: short-value}` or `{name: {key: value}}`.\n\n"
        out += "## Top-level sections\n\n" + table(Registry.modelSection.attributes)
        for family in Registry.families {
            out += "\n## \(family.pluralName.capitalizedFirst)\n"
            for kind in family.kinds {
                out += "\n### `\(kind.name)`\n\n\(kind.doc)."
                if !kind.aliases.isEmpty {
                    out += " Also spelled \(kind.aliases.map { "`\($0)`" }.joined(separator: ", "))."
                }
                out += "\n"
                if !kind.shortForm.isEmpty {
                    out +=
                        "\nShort form: `\(kind.name): \(kind.shortForm.count == 1 ? kind.shortForm[0] : "[" + kind.shortForm.joined(separator: ", ") + "]")`\n"
                }
                let attributes =
                    family === Registry.layers
                    ? kind.attributes.filter { a in !Registry.commonLayerAttributes.contains { $0.name == a.name } }
                    : kind.attributes
                if !attributes.isEmpty { out += "\n" + table(attributes) }
            }
            if family === Registry.layers {
                out += "\nEvery layer also takes these keys, inside its full form or beside its kind key:\n\n"
                out += table(Registry.commonLayerAttributes)
            }
        }
        for section in [
            Registry.initSection, Registry.transferSection, Registry.regularizationSection, Registry.trainSection,
            Registry.earlyStoppingSection,
            Registry.checkpointSection, Registry.batchScheduleSection, Registry.dataSection, Registry.datasetSection,
            Registry.preprocessSection,
            Registry.augmentSection, Registry.ensembleSection,
        ] {
            out += "\n## Section `\(section.name)`\n\n\(section.doc)\n\n" + table(section.attributes)
        }
        return out
    }

    static func table(_ attributes: [Attribute]) -> String {
        var out = "| key | type | default | meaning |\n| --- | --- | --- | --- |\n"
        for a in attributes {
            let def: String
            switch a.default {
            case .required: def = "**required**"
            case .value(let v): def = "`\(v)`"
            case .unset(let note): def = note
            }
            out +=
                "| `\(a.name)` | \(a.type.description.replacingOccurrences(of: "|", with: "\\|")) | \(def) | \(a.doc.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        return out
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
