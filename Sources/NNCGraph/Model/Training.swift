import NNCDiagnostics

/// The training loss a spec declares.
public enum Loss: Sendable, Equatable {
    /// Mean over outputs of (y − t)².
    case meanSquaredError
    /// ½·Σ(y − t)² over outputs.
    case sumOfSquares
    case categoricalCrossEntropy(fromLogits: Bool, smoothing: Double)
    case sparseCategoricalCrossEntropy(fromLogits: Bool)
    case binaryCrossEntropy(fromLogits: Bool, smoothing: Double)

    /// The registry's name (`mse`, `categorical_crossentropy`, …).
    public var name: String {
        switch self {
        case .meanSquaredError: "mse"
        case .sumOfSquares: "sum_of_squares"
        case .categoricalCrossEntropy: "categorical_crossentropy"
        case .sparseCategoricalCrossEntropy: "sparse_categorical_crossentropy"
        case .binaryCrossEntropy: "binary_crossentropy"
        }
    }

    /// The name in messages: "sparse categorical cross-entropy", "sum of squares".
    public var phrase: String {
        switch self {
        case .meanSquaredError: "mse"
        case .sumOfSquares: "sum of squares"
        case .categoricalCrossEntropy: "categorical cross-entropy"
        case .sparseCategoricalCrossEntropy: "sparse categorical cross-entropy"
        case .binaryCrossEntropy: "binary cross-entropy"
        }
    }
}

/// A metric reported during training and evaluation.
public enum Metric: Sendable, Equatable {
    case accuracy
    case topK(Int)
    case meanSquaredError
    case meanAbsoluteError

    /// The name printed and logged (Keras's: accuracy, top_k_accuracy, mse, mae).
    public var name: String {
        switch self {
        case .accuracy: "accuracy"
        case .topK: "top_k_accuracy"
        case .meanSquaredError: "mse"
        case .meanAbsoluteError: "mae"
        }
    }
}

/// The optimizer a spec declares, with its base learning rate.
public struct Optimizer: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        /// `dampeningFromMomentum`: the dampening is the (scheduled) momentum of each step.
        case sgd(momentum: Double, nesterov: Bool, dampening: Double, dampeningFromMomentum: Bool)
        case adagrad(initialAccumulator: Double, epsilon: Double)
        case rmsprop(rho: Double, momentum: Double, epsilon: Double, centered: Bool)
        case adadelta(rho: Double, epsilon: Double)
        case adam(beta1: Double, beta2: Double, epsilon: Double, amsgrad: Bool)
        case adamw(beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double, amsgrad: Bool)
    }

    public var rule: Rule
    /// ε₀, which a schedule scales.
    public var learningRate: Double

    /// The registry's name (`sgd`, `adam`, …).
    public var name: String {
        switch rule {
        case .sgd: "sgd"
        case .adagrad: "adagrad"
        case .rmsprop: "rmsprop"
        case .adadelta: "adadelta"
        case .adam: "adam"
        case .adamw: "adamw"
        }
    }

    /// The optimizer's own momentum μ (what a constant momentum schedule keeps); 0 without one.
    public var momentum: Double {
        switch rule {
        case .sgd(let m, _, _, _), .rmsprop(_, let m, _, _): m
        case .adagrad, .adadelta, .adam, .adamw: 0
        }
    }
}

/// The model-wide initializers (`init:`): what layers without their own use.
public struct ModelInitializers: Sendable, Equatable {
    public var weights: Initializer
    public var bias: Initializer
    public var recurrent: Initializer
}

/// The model-wide regularization (`regularization:`).
public struct Regularization: Sendable, Equatable {
    /// The penalty on every weight matrix without its own regularizer.
    public var penalty: Regularizer
    /// Decoupled decay λ of every trainable parameter (0: none).
    public var weightDecay: Double
    /// The constraint on every weight matrix without its own.
    public var maxNorm: Double?
    public var clipNorm: Double?
    public var clipValue: Double?
}

/// `train.early_stopping`.
public struct EarlyStoppingSettings: Sendable, Equatable {
    public enum Mode: String, Sendable { case auto, min, max }
    public var monitor: String
    public var patience: Int
    public var minDelta: Double
    public var mode: Mode
    public var restoreBest: Bool
}

/// `train.checkpoint`.
public struct CheckpointSettings: Sendable, Equatable {
    /// The folder as written (relative to the spec's folder); nil: runs/<model>.
    public var directory: String?
    public var every: Int
    public var keep: Int
    public var bestOnly: Bool
    public var monitor: String
}

/// `train:` — how training runs.
public struct TrainSettings: Sendable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var seed: Int
    public var shuffle: Bool
    public var dropLast: Bool
    public var validationSplit: Double
    public var earlyStopping: EarlyStoppingSettings?
    public var checkpoint: CheckpointSettings?
    /// Nil without `batch_schedule:` (every epoch uses `batchSize`).
    public var batchSchedule: BatchSchedule?

    /// The largest batch any epoch uses: what plans and memory reports are sized for.
    public var largestBatch: Int { batchSchedule.map { ($0.sizes + [batchSize]).max()! } ?? batchSize }
}

/// Everything of a spec besides its layers that training needs, decoded once with the
/// registry's defaults (`TrainingConfiguration+Decode.swift`, `DataConfiguration+Decode.swift`).
public struct TrainingConfiguration: Sendable {
    /// Nil when the spec declares none (the model cannot train).
    public var loss: Loss?
    public var metrics: [Metric]
    public var optimizer: Optimizer
    public var schedule: LearningRateSchedule
    public var momentumSchedule: MomentumSchedule
    public var initializers: ModelInitializers
    public var regularization: Regularization
    public var train: TrainSettings
    public var data: DataConfiguration
    /// Nil when the spec has no `transfer:` (or its weights file failed to decode).
    public var transfer: TransferSettings?
    /// Nil when the spec has no `ensemble:` (`nnc train` then trains one model).
    public var ensemble: EnsembleSettings?
}

/// `ensemble:`: `nnc train` trains this many members, seeds seed, seed + 1, …, as
/// `--seeds N [--bagging]` does (which override it).
public struct EnsembleSettings: Sendable, Equatable {
    public var members: Int
    /// Each member trains on its own bootstrap sample of the training data.
    public var bagging: Bool

    public init(members: Int, bagging: Bool) {
        self.members = members
        self.bagging = bagging
    }
}

/// `transfer:`: layers initialized from another model's saved weights, matched by name.
public struct TransferSettings: Sendable {
    public struct Layer: Sendable {
        public var name: String
        public var location: SourceLocation

        public init(name: String, location: SourceLocation) {
            self.name = name
            self.location = location
        }
    }

    /// The weights file as written (relative to the model file), and where.
    public var weights: String
    public var weightsLocation: SourceLocation
    /// The layers named; nil initializes every layer whose tensors the file holds.
    public var layers: [Layer]?
}
