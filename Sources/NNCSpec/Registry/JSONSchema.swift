import Foundation

/// Generates the JSON Schema (draft 2020-12) of the YAML spelling from the registry, so
/// editors can complete and validate model files. `nnc schema` prints it and
/// Grammar/nnc.schema.json is a committed copy a test keeps identical.
public enum JSONSchema {
    public static func generate() -> String {
        var defs: [String: Any] = [:]
        for family in Registry.families + [Registry.recurrentLayersFamily, Registry.afterWarmupSchedules]
        where family !== Registry.layers {
            defs[key(family)] = componentSchema(family)
        }
        defs["param"] = [
            "type": "string", "pattern": "^\\$[A-Za-z_][A-Za-z0-9_]*$",
            "description": "a block parameter, replaced by its argument",
        ]
        defs["searchRange"] = searchRangeSchema()
        defs["layer"] = layerSchema()
        defs["layerList"] = ["type": "array", "items": ["$ref": "#/$defs/layer"]]
        var root = recordSchema(Registry.modelSection)
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$id"] = "https://nnc.dev/schema/nnc.schema.json"
        root["title"] = "nnc model"
        root["required"] = ["input", "layers"]
        root["patternProperties"] = ["^x-": ["description": "ignored: holds YAML anchors for reuse"]]
        var properties = root["properties"] as! [String: Any]
        properties["layers"] = ["$ref": "#/$defs/layerList", "description": "the layers, in order"]
        // A size of the input may be a name (`[T, 128]`), bound from the data.
        let size: [String: Any] = [
            "anyOf": [["type": "integer", "minimum": 1], ["type": "string", "pattern": "^[A-Z][A-Za-z0-9_]*$"]]
        ]
        properties["input"] = [
            "description": (properties["input"] as! [String: Any])["description"]!,
            "anyOf": [["type": "integer", "minimum": 1], ["type": "array", "items": size, "minItems": 1]],
        ]
        properties["blocks"] = [
            "type": "object", "description": "named, parameterized groups of layers used by `block:` items",
            "additionalProperties": [
                "type": "object", "additionalProperties": false, "required": ["layers"],
                "properties": [
                    "params": [
                        "description": "parameter names (required) or names with defaults",
                        "anyOf": [["type": "array", "items": ["type": "string"]], ["type": "object"]],
                    ],
                    "layers": ["$ref": "#/$defs/layerList"],
                ] as [String: Any],
            ] as [String: Any],
        ]
        root["properties"] = properties
        root["$defs"] = defs
        let data = try! JSONSerialization.data(
            withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func key(_ family: Family) -> String {
        family === Registry.afterWarmupSchedules
            ? "scheduleAfterWarmup" : family.name.replacingOccurrences(of: " ", with: "_")
    }

    /// A scalar type, or a block parameter or a search range (for `nnc tune`) standing in for it.
    static func orParam(_ schema: [String: Any]) -> [String: Any] {
        ["anyOf": [schema, ["$ref": "#/$defs/param"], ["$ref": "#/$defs/searchRange"]]]
    }

    /// `{log_uniform: [lo, hi]}`, `{uniform: …}`, `{int_uniform: …}` or `{choice: [values]}`.
    static func searchRangeSchema() -> [String: Any] {
        let bounds: [String: Any] = ["type": "array", "items": ["type": "number"], "minItems": 2, "maxItems": 2]
        var options: [[String: Any]] = SearchRange.Kind.allCases.filter { $0 != .choice }.map {
            [
                "type": "object", "additionalProperties": false, "required": [$0.rawValue],
                "properties": [$0.rawValue: bounds],
            ]
        }
        options.append([
            "type": "object", "additionalProperties": false, "required": ["choice"],
            "properties": ["choice": ["type": "array", "minItems": 1]],
        ])
        return ["description": "a search range, read by `nnc tune` in place of a value", "anyOf": options]
    }

    static func numeric(_ type: String, _ b: Bounds) -> [String: Any] {
        var s: [String: Any] = ["type": type]
        if let min = b.min { s[b.minExclusive ? "exclusiveMinimum" : "minimum"] = min }
        if let max = b.max { s[b.maxExclusive ? "exclusiveMaximum" : "maximum"] = max }
        return s
    }

    static func valueSchema(_ type: ValueType, rank: Int) -> [String: Any] {
        switch type {
        case .int(let b): return orParam(numeric("integer", b))
        case .float(let b), .number(let b):
            return [
                "anyOf": [
                    numeric("number", b), ["type": "string", "pattern": "^[0-9.eE+-]+/[0-9.eE+-]+$"],
                    ["$ref": "#/$defs/param"], ["$ref": "#/$defs/searchRange"],
                ]
            ]
        case .bool: return orParam(["type": "boolean"])
        case .string, .path: return ["type": "string"]
        case .choice(let options): return orParam(["enum": options])
        case .spatial(let b):
            let n = max(rank, 1)
            return orParam([
                "anyOf": [
                    numeric("integer", b),
                    ["type": "array", "items": numeric("integer", b), "minItems": n, "maxItems": n],
                ]
            ])
        case .shape:
            return orParam([
                "anyOf": [
                    ["type": "integer", "minimum": 1],
                    ["type": "array", "items": ["type": "integer", "minimum": 1], "minItems": 1],
                ]
            ])
        case .reshapeTarget:
            return orParam(["type": "array", "items": ["type": "integer"], "minItems": 1])
        case .padding:
            return orParam([
                "anyOf": [
                    ["enum": ["valid", "same", "causal"]], ["type": "integer", "minimum": 0],
                    [
                        "type": "array",
                        "items": [
                            "anyOf": [
                                ["type": "integer", "minimum": 0],
                                [
                                    "type": "array", "items": ["type": "integer", "minimum": 0],
                                    "minItems": 2, "maxItems": 2,
                                ],
                            ]
                        ],
                    ],
                ]
            ])
        case .margins:
            return orParam([
                "anyOf": [
                    ["type": "integer", "minimum": 0],
                    [
                        "type": "array", "minItems": rank, "maxItems": rank,
                        "items": [
                            "anyOf": [
                                ["type": "integer", "minimum": 0],
                                [
                                    "type": "array", "items": ["type": "integer", "minimum": 0],
                                    "minItems": 2, "maxItems": 2,
                                ],
                            ]
                        ],
                    ],
                ]
            ])
        case .component(let family): return ["$ref": "#/$defs/\(key(family))"]
        case .list(let element):
            let item = valueSchema(element, rank: rank)
            return ["anyOf": [["type": "array", "items": item], item]]
        case .layerNames:
            return ["anyOf": [["type": "string"], ["type": "array", "items": ["type": "string"], "minItems": 1]]]
        case .record(let schema): return recordSchema(schema)
        }
    }

    static func properties(_ attributes: [Attribute], rank: Int) -> [String: Any] {
        var properties: [String: Any] = [:]
        for attribute in attributes {
            var s = valueSchema(attribute.type, rank: rank)
            s["description"] = describe(attribute)
            properties[attribute.name] = s
        }
        return properties
    }

    static func describe(_ attribute: Attribute) -> String {
        switch attribute.default {
        case .required: return "\(attribute.doc) (required)"
        case .value(let v): return "\(attribute.doc) (default \(v))"
        case .unset(let note): return "\(attribute.doc) (default: \(note))"
        }
    }

    static func recordSchema(_ schema: RecordSchema) -> [String: Any] {
        var s: [String: Any] = [
            "type": "object", "additionalProperties": false, "description": schema.doc,
            "properties": properties(schema.attributes, rank: 0),
        ]
        let required = schema.attributes.filter(\.isRequired).map(\.name)
        if !required.isEmpty { s["required"] = required }
        return s
    }

    /// The body under a kind key: null, its short form, or a mapping of attributes.
    static func bodySchema(_ kind: ComponentKind, attributes: [Attribute]) -> [String: Any] {
        var full: [String: Any] = [
            "type": "object", "additionalProperties": false,
            "properties": properties(attributes, rank: kind.spatialRank),
        ]
        let required = attributes.filter(\.isRequired).map(\.name)
        if !required.isEmpty { full["required"] = required }
        var options: [[String: Any]] = [full]
        if required.isEmpty { options.append(["type": "null"]) }
        if let first = kind.shortForm.first, let attribute = kind.attribute(first) {
            options.append(valueSchema(attribute.type, rank: kind.spatialRank))
            if kind.shortForm.count > 1 { options.append(["type": "array", "maxItems": kind.shortForm.count]) }
        }
        return ["anyOf": options]
    }

    static func componentSchema(_ family: Family) -> [String: Any] {
        let bare = family.kinds.filter { !$0.attributes.contains(where: \.isRequired) }.flatMap {
            [$0.name] + $0.aliases
        }
        var options: [[String: Any]] = []
        if !bare.isEmpty { options.append(["enum": bare]) }
        for kind in family.kinds {
            for name in [kind.name] + kind.aliases {
                options.append([
                    "type": "object", "additionalProperties": false, "required": [name],
                    "description": kind.doc,
                    "properties": [name: bodySchema(kind, attributes: kind.attributes)],
                ])
            }
        }
        return [
            "description": "\(family.article) \(family.name): a name, or {name: short-value}, or {name: {key: value}}",
            "anyOf": options,
        ]
    }

    static func layerSchema() -> [String: Any] {
        let bare = Registry.layers.kinds.filter { !$0.attributes.contains(where: \.isRequired) }.flatMap {
            [$0.name] + $0.aliases
        }
        var options: [[String: Any]] = [["enum": bare]]
        let siblings = properties(Registry.commonLayerAttributes, rank: 0)
        for kind in Registry.layers.kinds {
            for name in [kind.name] + kind.aliases {
                var props = siblings
                props[name] = bodySchema(kind, attributes: kind.attributes)
                options.append([
                    "type": "object", "additionalProperties": false, "required": [name],
                    "description": kind.doc, "properties": props,
                ])
            }
        }
        let groupProps: [String: Any] = [
            "name": ["type": "string"], "inputs": valueSchema(.layerNames, rank: 0),
            "args": ["type": "object", "description": "arguments of the block's params"],
        ]
        var blockUse = groupProps
        blockUse["block"] = ["type": "string", "description": "the name of a block under `blocks:`"]
        options.append(["type": "object", "additionalProperties": false, "required": ["block"], "properties": blockUse])
        var repeatGroup = groupProps
        repeatGroup["repeat"] = orParam(["type": "integer", "minimum": 1])
        repeatGroup["block"] = ["type": "string"]
        repeatGroup["layers"] = ["$ref": "#/$defs/layerList"]
        options.append([
            "type": "object", "additionalProperties": false, "required": ["repeat"], "properties": repeatGroup,
        ])
        return [
            "description": "a layer: a kind, {kind: short-value}, {kind: {key: value}}, a block use or a repeat",
            "anyOf": options,
        ]
    }
}
