/// The catalog of stable diagnostic codes. E01xx syntax, E02xx schema, E03xx shapes and
/// graph, E04xx limits, E05xx data and runtime, W… warnings. A code never changes meaning;
/// `nnc explain CODE` prints `explanation` (see `DiagnosticCode+Explanation.swift`).
public enum DiagnosticCode: String, Sendable, CaseIterable, Codable {
    // Syntax
    case yamlSyntax = "E0101"
    case dslSyntax = "E0102"
    case duplicateKey = "E0103"
    case mlpShorthand = "E0104"
    case unreadableFile = "E0105"

    // Schema
    case unknownKey = "E0201"
    case wrongType = "E0202"
    case outOfRange = "E0203"
    case unknownValue = "E0204"
    case missingKey = "E0205"
    case conflictingKeys = "E0206"
    case badBlock = "E0207"
    case wrongArity = "E0208"
    case scheduleTooLong = "E0209"
    case scheduleMilestone = "E0210"
    case scheduleValues = "E0211"

    // Shapes and graph
    case mergeShapeMismatch = "E0301"
    case concatShapeMismatch = "E0302"
    case unknownLayerName = "E0303"
    case duplicateLayerName = "E0304"
    case cycle = "E0305"
    case inputRank = "E0306"
    case kernelTooLarge = "E0307"
    case reshapeSize = "E0308"
    case groups = "E0309"
    case lossMismatch = "E0310"
    case badPadding = "E0311"
    case inputCount = "E0312"
    case noLayers = "E0313"
    case metricMismatch = "E0314"

    // Limits
    case tooLarge = "E0401"
    case notCompilable = "E0402"
    case outOfMemory = "E0403"

    // Data
    case unreadableData = "E0501"
    case malformedRecord = "E0502"
    case labelOutOfRange = "E0503"
    case dataSizeMismatch = "E0504"
    case corruptData = "E0505"
    case nonFiniteData = "E0506"
    case invalidPreprocessing = "E0507"
    case labelMismatch = "E0508"

    // Training runs
    case trainingDiverged = "E0520"
    case checkpointMismatch = "E0521"
    case unreadableWeights = "E0522"
    case unwritableOutput = "E0523"
    case nonFiniteWeights = "E0524"
    case runFolderInUse = "E0525"

    // Warnings
    case strideDropsRows = "W0301"
    case deadBranch = "W0302"
    case deepSigmoid = "W0303"
    case softmaxThenLogits = "W0304"
    case unusedBlock = "W0201"
    case missingDataFile = "W0202"

    /// A one-line title, for `nnc explain --list` and docs.
    public var title: String {
        switch self {
        case .yamlSyntax: "the file is not valid YAML"
        case .dslSyntax: "the file is not valid nnc DSL"
        case .duplicateKey: "a key appears twice in one mapping"
        case .mlpShorthand: "an MLP shorthand like 784-128-10 is malformed"
        case .unreadableFile: "the spec file cannot be read"
        case .unknownKey: "a key is not known in this place"
        case .wrongType: "a value has the wrong type"
        case .outOfRange: "a value is outside its allowed range"
        case .unknownValue: "a name (layer kind, activation, optimizer, …) is not known"
        case .missingKey: "a required key is missing"
        case .conflictingKeys: "two keys cannot be used together"
        case .badBlock: "a block definition or use is invalid"
        case .wrongArity: "a list has the wrong number of elements"
        case .scheduleTooLong: "a schedule phase is longer than the training run"
        case .scheduleMilestone: "a schedule milestone lies past the end of training"
        case .scheduleValues: "a schedule's boundaries and values do not fit together"
        case .mergeShapeMismatch:
            "the operands of an elementwise merge (add, subtract, multiply, average, maximum) must have identical shapes"
        case .concatShapeMismatch: "'concat' operands must agree on every axis but the concatenation axis"
        case .unknownLayerName: "'inputs' names a layer that does not exist"
        case .duplicateLayerName: "two layers have the same name"
        case .cycle: "the layers form a cycle"
        case .inputRank: "a layer received an input of the wrong rank"
        case .kernelTooLarge: "a kernel or pool window is larger than its padded input"
        case .reshapeSize: "a reshape must keep the number of elements"
        case .groups: "groups must divide both input channels and filters (a groupnorm's: the channels)"
        case .lossMismatch: "the loss does not fit the model's output"
        case .badPadding: "a padding or cropping is not valid for this layer"
        case .inputCount: "a layer received the wrong number of inputs"
        case .noLayers: "the model has no layers"
        case .metricMismatch: "a metric does not fit the model's output"
        case .tooLarge: "the model exceeds a size limit"
        case .notCompilable: "a layer kind or option cannot be compiled to an execution plan yet"
        case .outOfMemory: "a compiled plan needs more memory than is available"
        case .unreadableData: "a data file cannot be read"
        case .malformedRecord: "a record of a data file is malformed"
        case .labelOutOfRange: "a label or token id lies outside its range"
        case .dataSizeMismatch: "the data's sizes do not fit the model or each other"
        case .corruptData: "a binary data file is corrupt, truncated or in an unsupported layout"
        case .nonFiniteData: "a data value is NaN or infinite"
        case .invalidPreprocessing: "the preprocessing saved with the weights is invalid or does not fit the model"
        case .labelMismatch: "the labels do not fit the model's output and loss"
        case .trainingDiverged: "the training loss became NaN or infinite, or grew by orders of magnitude"
        case .checkpointMismatch: "a checkpoint does not fit the model being trained"
        case .unreadableWeights: "a weights or checkpoint file cannot be read"
        case .unwritableOutput: "a file of the run folder cannot be written"
        case .nonFiniteWeights: "a weights or checkpoint file holds NaN or infinite values"
        case .runFolderInUse: "another training run is writing to the same run folder"
        case .strideDropsRows: "the stride does not tile the input: trailing rows or columns are dropped"
        case .deadBranch: "a layer's output reaches no model output"
        case .deepSigmoid: "a deep sigmoid or tanh stack with a small init will barely learn"
        case .softmaxThenLogits: "softmax output fed to a loss that expects logits"
        case .unusedBlock: "a block is defined but never used"
        case .missingDataFile: "a file the spec names (data, transfer weights) does not exist"
        }
    }

    public var isWarning: Bool { rawValue.hasPrefix("W") }
}
