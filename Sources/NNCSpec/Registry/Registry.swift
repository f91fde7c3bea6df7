/// The one source of truth for the spec language: every layer kind, component and section
/// with its attributes, defaults and documentation. The decoder, the checker, `nnc schema`
/// (the JSON Schema in Grammar/) and the docs all derive from it.
public enum Registry {
    /// All component families, for docs and schema generation.
    public static var families: [Family] {
        [
            layers, activations, initializers, regularizers, constraints, losses, metrics, optimizers, schedules,
            momentumSchedules, sequenceTasks,
        ]
    }

    /// Keys of a layer-list item that are not layer kinds: block uses and repeats.
    public static let structuralKeys = ["block", "repeat", "layers", "args"]
}

/// The top-level sections of a model file.
extension Registry {
    public static let initSection = RecordSchema(
        name: "init", doc: "model-wide default initializers",
        attributes: [
            Attribute(
                "weights", .component(initializers), .value("glorot_uniform"),
                "weights of dense, conv and input projections"),
            Attribute("bias", .component(initializers), .value("zeros"), "biases"),
            Attribute(
                "recurrent", .component(initializers), .value("orthogonal"),
                "recurrent weights of simple_rnn, lstm and gru"),
        ])

    public static let regularizationSection = RecordSchema(
        name: "regularization", doc: "model-wide regularization",
        attributes: [
            Attribute(
                "l1", .float(.nonNegative), .value("0.0"),
                "adds l1·Σ|w| to the loss over every trainable weight matrix (kernels, recurrent kernels, embedding tables; not biases) without its own regularizer"
            ),
            Attribute(
                "l2", .float(.nonNegative), .value("0.0"),
                "adds l2·Σw² to the loss (gradient 2·l2·w) over the same weight matrices"),
            Attribute(
                "weight_decay", .float(.nonNegative), .value("0.0"),
                "decoupled decay w ← w − ε·λ·w of every trainable parameter before each optimizer step (adamw has its own: not both)"
            ),
            Attribute(
                "max_norm", .float(.positive), .unset(note: "no constraint"),
                "after each step, every weight matrix without its own constraint gets max_norm: each unit's incoming weights to L2 norm ≤ this"
            ),
            Attribute(
                "clip_norm", .float(.positive), .unset(note: "no clipping"),
                "rescale all gradients together by c/max(‖g‖, c), ‖g‖ their global L2 norm (not with clip_value)"),
            Attribute(
                "clip_value", .float(.positive), .unset(note: "no clipping"),
                "clip each gradient element to [−v, v] (not with clip_norm)"),
        ])

    public static let transferSection = RecordSchema(
        name: "transfer", doc: "initialize layers from another model's saved weights (transfer learning)",
        attributes: [
            Attribute(
                "weights", .path, .required,
                "a safetensors file nnc train wrote (weights.safetensors), tensors named layer.parameter"),
            Attribute(
                "layers", .layerNames, .unset(note: "every layer whose tensors the file holds"),
                "the layers to initialize, matched by name"),
        ])

    public static let earlyStoppingSection = RecordSchema(
        name: "early_stopping", doc: "stop when a metric stops improving",
        attributes: [
            Attribute(
                "monitor", .string, .value("val_loss"), "the metric watched (loss, val_loss, accuracy, val_accuracy, …)"
            ),
            Attribute("patience", .int(.nonNegative), .value("0"), "epochs without improvement before stopping"),
            Attribute("min_delta", .float(.nonNegative), .value("0.0"), "smallest change that counts as improvement"),
            Attribute(
                "mode", .choice(["auto", "min", "max"]), .value("auto"),
                "whether lower or higher is better (auto: by name)"),
            Attribute("restore_best", .bool, .value("false"), "restore the best weights at the end"),
        ])

    public static let checkpointSection = RecordSchema(
        name: "checkpoint", doc: "periodic checkpoints for resuming",
        attributes: [
            Attribute("dir", .path, .unset(note: "runs/<model>"), "folder of the checkpoints"),
            Attribute("every", .int(.atLeastOne), .value("1"), "epochs between checkpoints"),
            Attribute("keep", .int(.atLeastOne), .value("3"), "how many recent checkpoints to keep"),
            Attribute("best_only", .bool, .value("false"), "only write when the monitored metric improves"),
            Attribute("monitor", .string, .value("val_loss"), "the metric that decides 'best'"),
        ])

    public static let trainSection = RecordSchema(
        name: "train", doc: "how training runs",
        attributes: [
            Attribute("epochs", .int(.atLeastOne), .value("10"), "passes over the training data"),
            Attribute("batch_size", .int(.atLeastOne), .value("32"), "samples per step"),
            Attribute(
                "seed", .int(.nonNegative), .value("0"),
                "seed of every random choice: init, shuffling, dropout, augmentation"),
            Attribute("shuffle", .bool, .value("true"), "shuffle the training data every epoch"),
            Attribute("drop_last", .bool, .value("false"), "drop the last partial batch of each epoch"),
            Attribute(
                "validation_split", .float(.unitOpen), .value("0.0"),
                "fraction of the training data held out for validation (stratified by class, seeded: not the file's last samples as in Keras)"
            ),
            Attribute(
                "early_stopping", .record(earlyStoppingSection), .unset(note: "off"),
                "stop when a metric stops improving"),
            Attribute("checkpoint", .record(checkpointSection), .unset(note: "off"), "periodic checkpoints"),
            Attribute(
                "batch_schedule", .record(batchScheduleSection), .unset(note: "off"),
                "grow the batch size by epoch instead of decaying the learning rate"),
        ])

    public static let batchScheduleSection = RecordSchema(
        name: "batch_schedule",
        doc:
            "the batch size by epoch: after epochs[i] epochs, batches of sizes[i] (batch_size before the first change)",
        attributes: [
            Attribute(
                "epochs", .list(.int(.atLeastOne)), .required, "increasing epoch counts after which the size changes"),
            Attribute("sizes", .list(.int(.atLeastOne)), .required, "the batch size from each of those epochs on"),
        ])

    public static let datasetSection = RecordSchema(
        name: "dataset",
        doc:
            "one data split: IDX images and labels, a CSV file, NPY arrays, a token, text or tree file, an image folder, a CIFAR file, or a generated task",
        attributes: [
            Attribute(
                "format",
                .choice(["idx", "csv", "npy", "tokens", "text", "trees", "image_folder", "cifar10", "cifar100"]),
                .unset(
                    note:
                        "inferred from the file names (.csv, .npy, `images` without `labels`: image_folder, else idx); tokens, text, trees and cifar are always stated"
                ),
                "file format"),
            Attribute(
                "images", .path, .unset(note: "none"),
                "IDX or NPY file of inputs (IDX plain or gzip-compressed, detected by its first bytes); without `labels`: a folder of class subfolders of PNG and JPEG images"
            ),
            Attribute("labels", .path, .unset(note: "none"), "IDX or NPY file of labels"),
            Attribute(
                "path", .path, .unset(note: "none"),
                "CSV file holding features and the label; tokens and text: one `label<TAB>sequence` per line; trees: one `label<TAB>tree` per line, a tree `ID` or `(ID tree tree …)`, read into input [nodes, 1 + max children]; cifar10 and cifar100: a binary batch file"
            ),
            Attribute(
                "resize", .choice(["bilinear", "nearest", "none"]), .value("bilinear"),
                "image folders: how images of another size become the model's input height and width (none: refuse them)"
            ),
            Attribute(
                "label_mode", .choice(["fine", "coarse"]), .value("fine"),
                "cifar100: the 100 fine classes or the 20 coarse ones"),
            Attribute(
                "label_column", .int(.none), .value("0"),
                "CSV column of the label (0: the first, as in the bundled data; -1: the last)"),
            Attribute(
                "feature_columns", .list(.int(.none)), .unset(note: "every column but the label"),
                "CSV columns used as features, in this order (negative: from the end)"),
            Attribute("header", .bool, .value("false"), "the CSV's first row holds column names"),
            Attribute("delimiter", .string, .value(","), "CSV field separator (one character)"),
            Attribute(
                "padding", .choice(["pre", "post"]), .value("pre"),
                "tokens and text: where a short sequence is padded to the model's input length T (as Keras's pad_sequences)"
            ),
            Attribute(
                "truncating", .choice(["pre", "post"]), .value("pre"),
                "tokens and text: where a long sequence loses ids (pre: keeps its last T)"),
            Attribute(
                "pad_id", .int(.nonNegative), .value("0"), "tokens: the id padding is made of (text always pads with 0)"
            ),
            Attribute(
                "generate", .component(sequenceTasks), .unset(note: "none"),
                "generate the samples of a sequence task instead of reading files: `{adding: 200}`, `{copy: {length: 100, samples: 5000}}`"
            ),
        ])

    public static let preprocessSection = RecordSchema(
        name: "preprocess", doc: "transformations applied when data is loaded",
        attributes: [
            Attribute(
                "scale", .float(.positive), .unset(note: "none"), "multiply every input by this (1/255 for bytes)"),
            Attribute(
                "standardize", .bool, .value("false"),
                "subtract the training mean and divide by the training standard deviation, per feature"),
            Attribute("one_hot", .bool, .value("false"), "turn integer labels into one-hot vectors"),
            Attribute(
                "classes", .int(Bounds(min: 2)), .unset(note: "the output size"), "number of classes of the labels"),
            Attribute("reshape", .shape, .unset(note: "the model's input shape"), "shape each sample is reshaped to"),
        ])

    public static let augmentSection = RecordSchema(
        name: "augment", doc: "random changes to training samples",
        attributes: [
            Attribute("shift", .int(.nonNegative), .value("0"), "random translation by up to this many pixels"),
            Attribute("flip", .choice(["none", "horizontal", "vertical", "both"]), .value("none"), "random mirroring"),
        ])

    public static let dataSection = RecordSchema(
        name: "data", doc: "where the data lives and how it is prepared",
        attributes: [
            Attribute("train", .record(datasetSection), .unset(note: "none"), "the training split"),
            Attribute(
                "validation", .record(datasetSection), .unset(note: "train.validation_split of the training data"),
                "the validation split"),
            Attribute(
                "test", .record(datasetSection), .unset(note: "test_split of the training data, or none"),
                "the test split, evaluated after training"),
            Attribute(
                "test_split", .float(.unitOpen), .value("0.0"),
                "fraction of the training file held out as test data when data.test is not given (stratified by class, seeded by train.seed)"
            ),
            Attribute("preprocess", .record(preprocessSection), .unset(note: "none"), "preprocessing"),
            Attribute("augment", .record(augmentSection), .unset(note: "none"), "augmentation of training samples"),
        ])

    /// The top-level keys, in the order `--defaults` prints them. `layers` and `blocks` are
    /// decoded by the layer-list expander; the rest by the generic decoder.
    public static let modelSection = RecordSchema(
        name: "model file", doc: "a whole nnc model",
        attributes: [
            Attribute("model", .string, .unset(note: "the file name"), "the model's name"),
            Attribute(
                "input", .shape, .required,
                "per-sample input shape, channels last ([28, 28, 1]); a size may be a name ([T, 128]) bound from the data"
            ),
            Attribute(
                "output", .string, .unset(note: "the last layer"), "the layer whose output is the model's output"),
            Attribute(
                "blocks", .record(RecordSchema(name: "blocks", doc: "named blocks", attributes: [])),
                .unset(note: "none"),
                "named, parameterized groups of layers used by `block:` items"),
            Attribute(
                "layers", .list(.component(layers)), .unset(note: "required (read by the layer expander)"),
                "the layers, in order"),
            Attribute("init", .record(initSection), .value("{}"), "default initializers"),
            Attribute(
                "transfer", .record(transferSection), .unset(note: "none"),
                "layers initialized from another model's weights; freeze them with trainable: false"),
            Attribute("regularization", .record(regularizationSection), .value("{}"), "model-wide regularization"),
            Attribute("loss", .component(losses), .unset(note: "none: the model cannot train"), "the training loss"),
            Attribute("metrics", .list(.component(metrics)), .unset(note: "none"), "metrics reported during training"),
            Attribute("optimizer", .component(optimizers), .value("sgd"), "the optimizer"),
            Attribute("schedule", .component(schedules), .value("constant"), "learning-rate schedule"),
            Attribute(
                "momentum_schedule", .component(momentumSchedules), .value("constant"),
                "momentum schedule (SGD, RMSprop)"),
            Attribute("train", .record(trainSection), .value("{}"), "how training runs"),
            Attribute("data", .record(dataSection), .unset(note: "none"), "the data"),
            Attribute(
                "ensemble", .record(ensembleSection), .unset(note: "none: one model"),
                "nnc train trains a committee (as --seeds N [--bagging], which override it)"),
        ])

    public static let ensembleSection = RecordSchema(
        name: "ensemble",
        doc:
            "an ensemble: nnc train trains members with seeds seed, seed + 1, … into member-1, … of the run folder and scores the committee",
        attributes: [
            Attribute("members", .int(Bounds(min: 2, max: 1000)), .required, "how many members (2 to 1000)"),
            Attribute(
                "bagging", .bool, .value("false"), "each member trains on its own bootstrap sample of the training data"
            ),
        ])
}
