import NNCDiagnostics

/// One layer of the expanded layer list: blocks and repeats already instantiated, names
/// qualified (`stage2.block3.conv1`), and references resolved to qualified names.
public struct LayerSpec: Sendable {
    /// The qualified name, unique unless the spec repeats a name (the checker reports that).
    public var name: String
    /// Where the name was written, or the layer's location for generated names.
    public var nameLocation: SourceLocation
    public var hasExplicitName: Bool
    /// Qualified names of the layers this one reads; `input` is the model input.
    public var inputs: [LocatedName]
    /// True when `inputs:` was written; otherwise the previous layer is the input.
    public var hasExplicitInputs: Bool
    /// The kind and attributes.
    public var component: ComponentSpec
    /// Where the layer was written (its kind key).
    public var location: SourceLocation
    /// For layers made by a block or repeat: "in block 'residual' instance 'stage1' (used at 40:5)".
    public var origin: String?

    public var kind: ComponentKind { component.kind }
}

/// A parsed, schema-checked but not yet shape-checked model: the result of either spelling.
public struct ModelSpec: Sendable {
    public var file: SourceFile?
    public var name: String
    /// Per-sample input shape; nil when missing or malformed (already diagnosed).
    public var input: [Int]?
    public var inputLocation: SourceLocation
    /// The sizes of `input:` written as names (`[T, 128]`); their axes of `input` hold a
    /// placeholder until `binding(_:)` writes the numbers in.
    public var symbols: [SizeSymbol] = []
    public var output: LocatedName?
    public var layers: [LayerSpec]
    /// Everything else of the file, decoded with defaults: init, regularization, loss,
    /// metrics, optimizer, schedule, momentum_schedule, train, data.
    public var sections: RecordValue
    /// Location of the `layers:` key (for "no layers" errors).
    public var layersLocation: SourceLocation
    /// The layer list was not expanded because it exceeds the size limit (already reported).
    public var isTruncated = false
    /// The search ranges written in place of values, once each, in file order (`nnc tune`).
    public var searchRanges: [SearchRange] = []

    public var loss: ComponentSpec? { sections.component("loss") }
    public var metrics: [ComponentSpec] { sections.components("metrics") }
    public var optimizer: ComponentSpec? { sections.component("optimizer") }
    public var schedule: ComponentSpec? { sections.component("schedule") }
    public var momentumSchedule: ComponentSpec? { sections.component("momentum_schedule") }
    public var train: RecordValue? { sections.record("train") }
    public var data: RecordValue? { sections.record("data") }
    public var initDefaults: RecordValue? { sections.record("init") }
    public var regularization: RecordValue? { sections.record("regularization") }

    /// The name of the model input in `inputs:` lists.
    public static let inputName = "input"
}
