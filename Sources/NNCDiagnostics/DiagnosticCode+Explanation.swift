/// The long explanation of each code for `nnc explain`, with a small model that triggers
/// it and the same model fixed. A test checks that every bad example produces its code
/// and every fixed example checks cleanly.
extension DiagnosticCode {
    public struct Documentation: Sendable {
        public var explanation: String
        public var badExample: String
        public var fixedExample: String
        /// How the examples are read: "yaml", "nn" (the DSL), "shorthand", "path", "plan"
        /// (YAML that checks cleanly but fails to compile), "run" (a command whose problem
        /// appears only when training runs: shown, not executed here; the training tests
        /// trigger each such code for real), "doctor" (a finding of `nnc doctor`: shown, not
        /// executed here; the fixtures in Tests/Fixtures/doctor trigger each for real), or one of the data kinds, read by NNCData's
        /// `DataExample`: "csv" (the text of a CSV file, label first, 3 classes, for a model
        /// with input [4]), "idx" (the bytes of an IDX file in hex), "data path" (a data
        /// file's path), "labels" (the shape of an NPY labels file, for a model with one
        /// linear output and mse) or "preprocessing" (the JSON a weights file saves, for a
        /// model with input [4] and 3 classes).
        public var exampleKind: String = "yaml"
    }

    static let mlp =
        "input: [784]\nlayers:\n  - dense: {units: 128, activation: relu}\n  - dense: {units: 10, activation: softmax}\n"

    public var documentation: Documentation {
        switch self {
        case .yamlSyntax:
            return Documentation(
                explanation:
                    "The file could not be read as YAML. nnc points at the character where the YAML parser gave up; the mistake is often just before it: an unclosed bracket or quote, a missing space after ':', or a tab used for indentation (YAML allows only spaces).",
                badExample: "input: [28, 28\nlayers:\n  - dense: 10\n",
                fixedExample: "input: [28, 28]\nlayers:\n  - dense: 10\n")
        case .dslSyntax:
            return Documentation(
                explanation:
                    "The file could not be read as the nnc DSL (a `.nn` file). Each line is a statement: a section (`model`, `input`, `loss`, …) or a layer (`dense 128 activation=relu`). Values are numbers, words, quoted strings, lists `[a, b]` or components `name(key=value)`. See Grammar/nnc-dsl.ebnf.",
                badExample: "input 784\ndense units=\n",
                fixedExample: "input 784\ndense units=10\n",
                exampleKind: "nn")
        case .duplicateKey:
            return Documentation(
                explanation:
                    "A key appears twice in one mapping. YAML would silently keep one of the values, so nnc refuses the file: one of the two is surely a mistake.",
                badExample: Self.mlp + "loss: mse\nloss: categorical_crossentropy\n",
                fixedExample: Self.mlp + "loss: categorical_crossentropy\n")
        case .mlpShorthand:
            return Documentation(
                explanation:
                    "The MLP shorthand lists layer sizes joined by '-': the input size, each hidden layer, then the output (`784-500-500-10`). Hidden layers use ReLU, the output softmax. Every size must be a positive integer.",
                badExample: "784-12x-10",
                fixedExample: "784-128-10",
                exampleKind: "shorthand")
        case .unreadableFile:
            return Documentation(
                explanation:
                    "The model argument names no readable file: it does not exist, is a directory, or is not UTF-8 text. Paths are relative to the current directory. An argument made only of digits and dashes is read as the MLP shorthand instead.",
                badExample: "models/lenet-5.yaml",
                fixedExample: "models/lenet5.yaml",
                exampleKind: "path")
        case .unknownKey:
            return Documentation(
                explanation:
                    "A key is not known where it stands. nnc is strict: a misspelt key would otherwise be ignored and its default used without anyone noticing. The help names the closest known key; `Grammar/reference.md` lists every key of every layer and section.",
                badExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 6, kernal: 5}\n",
                fixedExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 6, kernel: 5}\n")
        case .wrongType:
            return Documentation(
                explanation:
                    "A value has the wrong type: a word where a number belongs, a fraction where an integer is needed, a list where a single value is expected. Quoted values are always strings, so `\"10\"` is not a number.",
                badExample: "input: [784]\nlayers:\n  - dense: {units: 12.5}\n",
                fixedExample: "input: [784]\nlayers:\n  - dense: {units: 12}\n")
        case .outOfRange:
            return Documentation(
                explanation:
                    "A number lies outside its allowed range: a dropout rate must be in [0, 1), a learning rate above 0, a unit count at least 1. The message states the range.",
                badExample: "input: [784]\nlayers:\n  - dropout: 1.5\n  - dense: 10\n",
                fixedExample: "input: [784]\nlayers:\n  - dropout: 0.5\n  - dense: 10\n")
        case .unknownValue:
            return Documentation(
                explanation:
                    "A name is not known: a layer kind, an activation, an initializer, an optimizer, a loss, a schedule, or one of the words a key accepts (padding valid/same/causal). The help names the closest known one.",
                badExample: "input: [784]\nlayers:\n  - dense: {units: 10, activation: softmx}\n",
                fixedExample: "input: [784]\nlayers:\n  - dense: {units: 10, activation: softmax}\n")
        case .missingKey:
            return Documentation(
                explanation:
                    "A required key is missing: a dense layer needs `units`, a convolution `filters` and `kernel`, a model `input` and `layers`, a schedule its `unit` (steps or epochs, always stated), a data split its files.",
                badExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 6}\n",
                fixedExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 6, kernel: 5}\n")
        case .conflictingKeys:
            return Documentation(
                explanation:
                    "Two keys cannot be used together: a layer item names one layer kind, validation data is given either as `data.validation` or as `train.validation_split`, a CSV split has `path` while IDX and NPY splits have `images` and `labels`, gradients are clipped by `clip_norm` or by `clip_value` (Keras too allows one), and decoupled weight decay is declared once: as `regularization.weight_decay` or as adamw's own `weight_decay`, which is the same rule.",
                badExample: "input: [784]\nlayers:\n  - dense: 128\n    conv2d: 3\n",
                fixedExample: "input: [784]\nlayers:\n  - dense: 128\n")
        case .badBlock:
            return Documentation(
                explanation:
                    "A block definition or use is invalid: the block is not defined, it uses itself, an argument is not one of its `params`, a required parameter has no argument, or the body refers to `$name` that is not a parameter.",
                badExample:
                    "input: [784]\nblocks:\n  mlp:\n    params: [units]\n    layers: [{dense: $units}]\nlayers:\n  - block: mlp\n",
                fixedExample:
                    "input: [784]\nblocks:\n  mlp:\n    params: [units]\n    layers: [{dense: $units}]\nlayers:\n  - block: mlp\n    args: {units: 64}\n"
            )
        case .wrongArity:
            return Documentation(
                explanation:
                    "A list has the wrong number of elements: a conv2d kernel takes one value or two (height, width), a conv1d kernel one, explicit padding one entry per spatial dimension, a short form at most as many values as it has slots.",
                badExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 6, kernel: [5, 5, 5]}\n",
                fixedExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 6, kernel: [5, 5]}\n")
        case .scheduleTooLong:
            return Documentation(
                explanation:
                    "A schedule phase measured in epochs is longer than the training run: a warm-up, a one-cycle, cosine or polynomial decay, or a momentum ramp whose duration exceeds `train.epochs` never completes. (Durations in steps are checked when the data size is known, at training time.)",
                badExample: Self.mlp
                    + "loss: categorical_crossentropy\nschedule: {warmup: {duration: 20, unit: epochs}}\ntrain: {epochs: 10}\n",
                fixedExample: Self.mlp
                    + "loss: categorical_crossentropy\nschedule: {warmup: {duration: 2, unit: epochs}}\ntrain: {epochs: 10}\n"
            )
        case .scheduleMilestone:
            return Documentation(
                explanation:
                    "A learning-rate milestone lies at or after the last epoch, so the drop it describes never happens: a piecewise boundary ≥ `train.epochs`, or a step schedule whose period is not shorter than the run.",
                badExample: Self.mlp
                    + "loss: categorical_crossentropy\nschedule: {piecewise: {boundaries: [5, 15], values: [0.1, 0.01, 0.001], unit: epochs}}\ntrain: {epochs: 10}\n",
                fixedExample: Self.mlp
                    + "loss: categorical_crossentropy\nschedule: {piecewise: {boundaries: [5, 8], values: [0.1, 0.01, 0.001], unit: epochs}}\ntrain: {epochs: 10}\n"
            )
        case .scheduleValues:
            return Documentation(
                explanation:
                    "A piecewise schedule holds one learning rate per interval: n boundaries split time into n + 1 intervals, so it needs n + 1 values, and the boundaries must increase.",
                badExample: Self.mlp
                    + "loss: categorical_crossentropy\nschedule: {piecewise: {boundaries: [3, 6], values: [0.1, 0.01], unit: epochs}}\ntrain: {epochs: 10}\n",
                fixedExample: Self.mlp
                    + "loss: categorical_crossentropy\nschedule: {piecewise: {boundaries: [3, 6], values: [0.1, 0.01, 0.001], unit: epochs}}\ntrain: {epochs: 10}\n"
            )
        case .mergeShapeMismatch:
            return Documentation(
                explanation:
                    "`add`, `multiply`, `average` and `maximum` sum, multiply, average and take the largest of their inputs element by element and `subtract` takes the second from the first, so the operands' per-sample shapes must match axis by axis, aligned at their last axes, where an operand of size 1 on an axis (or without it) repeats along it, as in Keras: a squeeze-and-excitation block multiplies [H, W, C] by [1, 1, C]. The message gives each operand's shape and where it came from; usually one branch needs a different `units`/`filters` or a projection (a 1×1 convolution) to match. `multi_head_attention` given a separate key needs one key per value: as many steps in both.",
                badExample:
                    "input: [784]\nlayers:\n  - dense: {units: 128, name: fc1}\n  - dense: {units: 64, name: fc2, inputs: [input]}\n  - add: {inputs: [fc1, fc2]}\n",
                fixedExample:
                    "input: [784]\nlayers:\n  - dense: {units: 128, name: fc1}\n  - dense: {units: 128, name: fc2, inputs: [input]}\n  - add: {inputs: [fc1, fc2]}\n"
            )
        case .concatShapeMismatch:
            return Documentation(
                explanation:
                    "`concat` joins its inputs along one axis (default: the last, the channels). On every other axis their sizes must agree: two feature maps of 16×16 and 8×8 cannot be stacked channel-wise.",
                badExample:
                    "input: [16, 16, 3]\nlayers:\n  - conv2d: {filters: 8, kernel: 3, padding: same, name: a}\n  - conv2d: {filters: 8, kernel: 3, stride: 2, padding: same, inputs: [input], name: b}\n  - concat: {inputs: [a, b]}\n",
                fixedExample:
                    "input: [16, 16, 3]\nlayers:\n  - conv2d: {filters: 8, kernel: 3, padding: same, name: a}\n  - conv2d: {filters: 8, kernel: 3, padding: same, inputs: [input], name: b}\n  - concat: {inputs: [a, b]}\n"
            )
        case .unknownLayerName:
            return Documentation(
                explanation:
                    "`inputs` (or `output`) names a layer that does not exist. Names are the ones written with `name:` or generated as Keras does (dense, dense_1, …); inside blocks they are qualified (`stage2.block1.conv1`); `input` is the model input. `nnc check` lists every layer's name in its shape trace.",
                badExample:
                    "input: [784]\nlayers:\n  - dense: {units: 64, name: hidden}\n  - dense: {units: 10, inputs: [hiden]}\n",
                fixedExample:
                    "input: [784]\nlayers:\n  - dense: {units: 64, name: hidden}\n  - dense: {units: 10, inputs: [hidden]}\n"
            )
        case .duplicateLayerName:
            return Documentation(
                explanation:
                    "Two layers have the same name, so `inputs` could not tell them apart. Every name must be unique, and `input` is reserved for the model input.",
                badExample:
                    "input: [784]\nlayers:\n  - dense: {units: 64, name: fc}\n  - dense: {units: 10, name: fc}\n",
                fixedExample:
                    "input: [784]\nlayers:\n  - dense: {units: 64, name: fc1}\n  - dense: {units: 10, name: fc2}\n")
        case .cycle:
            return Documentation(
                explanation:
                    "Following `inputs` leads back to where it started (or a layer lists itself), so no layer of the loop could ever run first. Recurrent behaviour belongs to the recurrent layers (simple_rnn, lstm, gru), not to cycles between layers.",
                badExample:
                    "input: [8]\nlayers:\n  - dense: {units: 8, name: a, inputs: [b]}\n  - dense: {units: 8, name: b, inputs: [a]}\n",
                fixedExample:
                    "input: [8]\nlayers:\n  - dense: {units: 8, name: a, inputs: [input]}\n  - dense: {units: 8, name: b, inputs: [a]}\n"
            )
        case .inputRank:
            return Documentation(
                explanation:
                    "A layer received an input with the wrong number of axes. Shapes are per sample and channels last: conv2d and 2-D pools need [height, width, channels], conv1d and recurrent layers [timesteps, features], embedding the model input of token ids [T], multi_head_attention a sequence [steps, features] for each of its inputs. dense applies to the last axis of any rank (on [T, F] it maps every step), and flatten accepts any rank. The help suggests the reshape that fixes it.",
                badExample: "input: [784]\nlayers:\n  - conv2d: [6, 5]\n",
                fixedExample: "input: [784]\nlayers:\n  - reshape: [28, 28, 1]\n  - conv2d: [6, 5]\n")
        case .kernelTooLarge:
            return Documentation(
                explanation:
                    "A convolution kernel or pooling window must fit inside its padded input. Per spatial dimension nnc computes out = ⌊(in + pad_before + pad_after − dilation·(kernel − 1) − 1)/stride⌋ + 1; when the dilated window is larger than the padded input this is ≤ 0 and the layer has no output. Use a smaller kernel, padding: same, or fewer downsampling layers before it.",
                badExample:
                    "input: [32, 32, 3]\nlayers:\n  - maxpool2d: 4\n  - maxpool2d: 4\n  - conv2d: {filters: 8, kernel: 3}\n",
                fixedExample: "input: [32, 32, 3]\nlayers:\n  - maxpool2d: 4\n  - conv2d: {filters: 8, kernel: 3}\n")
        case .reshapeSize:
            return Documentation(
                explanation:
                    "A reshape reinterprets the same numbers with another shape, so the number of elements per sample must not change. One dimension may be -1 to have nnc compute it.",
                badExample: "input: [784]\nlayers:\n  - reshape: [28, 27, 1]\n",
                fixedExample: "input: [784]\nlayers:\n  - reshape: [28, -1, 1]\n")
        case .groups:
            return Documentation(
                explanation:
                    "A grouped convolution splits the input channels and the filters into `groups` equal parts, each filter seeing only its group's channels; both counts must therefore be divisible by `groups` (groups = channels is a depthwise convolution). A `groupnorm` likewise normalizes `groups` equal groups of channels, so its groups must divide the channels; its default, 32 as in Keras, needs a multiple of 32 channels.",
                badExample: "input: [32, 32, 6]\nlayers:\n  - conv2d: {filters: 8, kernel: 3, groups: 4}\n",
                fixedExample: "input: [32, 32, 6]\nlayers:\n  - conv2d: {filters: 8, kernel: 3, groups: 2}\n")
        case .lossMismatch:
            return Documentation(
                explanation:
                    "The loss does not fit the model's output or labels: categorical cross-entropy needs a softmax over at least two classes (or raw scores with from_logits: true); binary cross-entropy needs independent sigmoid outputs, not a softmax; the number of classes in the data must equal the output units; one-hot targets go with categorical and class numbers with sparse categorical cross-entropy.",
                badExample:
                    "input: [20]\nlayers:\n  - dense: {units: 3, activation: softmax}\nloss: binary_crossentropy\n",
                fixedExample:
                    "input: [20]\nlayers:\n  - dense: {units: 3, activation: softmax}\nloss: categorical_crossentropy\n"
            )
        case .badPadding:
            return Documentation(
                explanation:
                    "A padding does not suit the layer. `causal` padding puts all padding before the sequence so each output sees only the present and the past; that is defined for conv1d over time only, not for 2-D convolutions or pools. A pool may pad at most half its window on each side (padding ≤ ⌊pool/2⌋): a window made mostly of padding sees almost no input. `same` is always allowed, with any stride. A `cropping2d` must leave at least one row and one column: top + bottom below the height, left + right below the width (as Keras requires).",
                badExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 4, kernel: 3, padding: causal}\n",
                fixedExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 4, kernel: 3, padding: same}\n")
        case .inputCount:
            return Documentation(
                explanation:
                    "`add`, `multiply`, `average`, `maximum` and `concat` merge two or more inputs, `subtract` exactly two; `multi_head_attention` reads one to three (query, value, key); every other layer reads exactly one. Merge branches first, then feed the result on.",
                badExample:
                    "input: [8]\nlayers:\n  - dense: {units: 8, name: a}\n  - dense: {units: 8, inputs: [a, input]}\n",
                fixedExample:
                    "input: [8]\nlayers:\n  - dense: {units: 8, name: a}\n  - add: {inputs: [a, input]}\n  - dense: 8\n"
            )
        case .noLayers:
            return Documentation(
                explanation:
                    "A model needs at least one layer under `layers:`: the input alone computes nothing, has no parameters to train and no output for a loss to compare with.",
                badExample: "input: [8]\nlayers: []\n",
                fixedExample: "input: [8]\nlayers: [{dense: 1}]\n")
        case .metricMismatch:
            return Documentation(
                explanation:
                    "A metric does not fit the output: accuracy compares predicted classes, so it needs a classifier (a softmax or sigmoid output, or a cross-entropy loss); top-k accuracy needs k below the number of classes, or every prediction counts as correct.",
                badExample:
                    "input: [8]\nlayers: [{dense: {units: 5, activation: softmax}}]\nloss: categorical_crossentropy\nmetrics: [{top_k_accuracy: 5}]\n",
                fixedExample:
                    "input: [8]\nlayers: [{dense: {units: 5, activation: softmax}}]\nloss: categorical_crossentropy\nmetrics: [{top_k_accuracy: 3}]\n"
            )
        case .symbolicParameters:
            return Documentation(
                explanation:
                    "A size of `input:` written as a name (`[T, 128]`) is checked for every value it may take, so each layer's parameters must not depend on it: the weights must fit every sequence length or image size. A dense layer after a flatten of [T, 128] would need T·128 inputs, a convolution over a symbolic channel axis one kernel slice per channel. Fix the symbol to a number, or reduce the symbolic axis first (a recurrent layer without return_sequences, a global pool).",
                badExample: "input: [T, 128]\nlayers:\n  - flatten\n  - dense: 10\n",
                fixedExample: "input: [T, 128]\nlayers:\n  - lstm: 32\n  - dense: 10\n")
        case .symbolicShape:
            return Documentation(
                explanation:
                    "nnc checks a model with symbolic sizes by carrying each size that depends on the symbol through the layers as an expression (elementwise layers, dense on the last axis, recurrent time steps, embeddings, the output-size arithmetic of convolutions and pools, flatten, concatenation). A layer whose output size it cannot write in terms of the symbol, such as a reshape to fixed sizes, is refused: write the sizes as numbers, or reduce the symbolic axis before that layer.",
                badExample: "input: [T, 8]\nlayers:\n  - reshape: [-1, 4]\n  - lstm: 4\n",
                fixedExample: "input: [T, 8]\nlayers:\n  - lstm: 4\n")
        case .unboundSymbol:
            return Documentation(
                explanation:
                    "A model with a symbolic size (`input: [T, 128]`) is compiled only once every symbol is a number: `train`, `eval`, `doctor` and `lr-find` take it from the sample shape of the spec's data, other commands from `--bind T=28`. `check` and `summary` work without a value.",
                badExample:
                    "input: [T, 4]\nlayers:\n  - lstm: 8\n  - dense: {units: 2, activation: softmax}\nloss: categorical_crossentropy\n",
                fixedExample:
                    "input: [16, 4]\nlayers:\n  - lstm: 8\n  - dense: {units: 2, activation: softmax}\nloss: categorical_crossentropy\n",
                exampleKind: "plan")
        case .symbolMismatch:
            return Documentation(
                explanation:
                    "A symbolic size is bound to the number the data (or `--bind`) gives for its axis. The data's sample shape must have the input's rank and its numbers where the input has numbers, every use of one symbol must get the same value, and `--bind` may name only symbols of the input, with positive values.",
                badExample: "input: [T, T]   # data samples of shape [28, 14]",
                fixedExample: "input: [T, W]   # binds T = 28, W = 14",
                exampleKind: "run")
        case .symbolTooSmall:
            return Documentation(
                explanation:
                    "Bound to the data's size, a symbolic size left a convolution or pool with a kernel larger than its padded input. The message names the layer, the symbol, its value and the smallest value for which every layer has an output; use larger inputs (or resize them) or fewer downsampling layers.",
                badExample: "input: [H, H, 1]   # images of 4×4, under conv2d kernel 3 then maxpool2d 2 twice",
                fixedExample: "input: [H, H, 1]   # images of at least 10×10",
                exampleKind: "run")
        case .tooLarge:
            return Documentation(
                explanation:
                    "The model exceeds a size limit that keeps nnc fast and its arithmetic exact: at most 100,000 layers after expanding repeats and blocks, at most 1,000,000 YAML nodes once aliases are expanded (an alias repeats its anchor's whole node, so aliases inside anchored nodes multiply), at most 2³⁰ elements in any tensor of one sample, at most 2³¹ − 1 elements in any tensor of a compiled plan (the batch multiplies the per-sample sizes, and the kernels take 32-bit sizes; the message names the largest batch that fits), totals below 2⁶³. A limit hit is almost always a typo in a `repeat` count or a shape.",
                badExample: "input: [8]\nlayers:\n  - repeat: 2000000\n    layers: [{dense: 8}]\n",
                fixedExample: "input: [8]\nlayers:\n  - repeat: 20\n    layers: [{dense: 8}]\n")
        case .notCompilable:
            return Documentation(
                explanation:
                    "`nnc check` and `nnc summary` understand every layer kind and option, but `nnc plan`, `nnc bench` and `nnc gradcheck` compile the model to an execution plan, and two things inside a recurrent layer (simple_rnn, lstm, gru, bidirectional) cannot be compiled yet: softmax as its `activation` or `recurrent_activation` (its fused step kernel applies element-wise activations; softmax is a row operation), and a learnable swish beta. Every layer kind compiles, feed-forward, convolutional and recurrent, with every other activation (a learnable swish beta included outside recurrent layers).",
                badExample:
                    "input: [28, 28]\nlayers:\n  - lstm: {units: 32, activation: softmax}\n  - dense: {units: 10, activation: softmax}\nloss: categorical_crossentropy\n",
                fixedExample:
                    "input: [28, 28]\nlayers:\n  - lstm: {units: 32, activation: tanh}\n  - dense: {units: 10, activation: softmax}\nloss: categorical_crossentropy\n",
                exampleKind: "plan")
        case .outOfMemory:
            return Documentation(
                explanation:
                    "A command that runs a model (train, eval, predict, bench, gradcheck) allocates one arena for its compiled plan: the persistent segment (parameters, optimizer state, statistics) and every transient buffer of a step at its batch size. When that is more than the machine has free (Linux's MemAvailable, and no more than an address-space limit such as `ulimit -v` leaves), the run is refused before anything is allocated, with the plan's size, the memory available and the largest batch whose plan fits. Lower the batch size (`train.batch_size`, `--batch-size`, or `--batch`), or make the model smaller; `nnc summary --memory 8GiB` prints the largest batch within a budget.",
                badExample:
                    "ulimit -v 2000000; nnc bench models/mnist_mlp.yaml --batch 1000000   # 3.99 GiB in 1.84 GiB free",
                fixedExample: "ulimit -v 2000000; nnc bench models/mnist_mlp.yaml --batch 100000",
                exampleKind: "run")
        case .unreadableData:
            return Documentation(
                explanation:
                    "A data file named in `data:` cannot be read: it does not exist, is a folder, or may not be read. Paths in a model file are relative to the model file's folder. `nnc check` warns about a missing file (W0202); training stops with this error.",
                badExample: "models/data/iris.cvs",
                fixedExample: "models/data/iris.csv",
                exampleKind: "data path")
        case .malformedRecord:
            return Documentation(
                explanation:
                    "A record of a text data file does not have the expected form: a CSV line with more or fewer values than the others, a value that is not a finite number, a class label that is not a whole number, a token, text or tree line without the tab between label and body, or a tree that is not `ID` or `(ID tree …)` (unbalanced parentheses, a `(` without its id, text after the tree). nnc never skips a bad row; the message points at the line and column. A blank line in the middle of a file is a record too.",
                badExample: "0,5.1,3.5,1.4,0.2\n1,7.0,3.2,4.7\n2,6.3,3.3,6.0,2.5\n",
                fixedExample: "0,5.1,3.5,1.4,0.2\n1,7.0,3.2,4.7,1.4\n2,6.3,3.3,6.0,2.5\n",
                exampleKind: "csv")
        case .labelOutOfRange:
            return Documentation(
                explanation:
                    "A class label lies outside 0..<classes (the model's output units, or `preprocess.classes`), a label is negative or beyond 32 bits, a binary cross-entropy target lies outside [0, 1] (class numbers 0…9 need a softmax of 10 units and a sparse loss), or a token id is not below the vocabulary size (the embedding's or tree_lstm's `input_dim`). Labels count from 0: three classes are 0, 1 and 2. Data labelled from 1 needs relabelling, or one more class. `nnc check` reads small label files whole and reports these before training.",
                badExample: "1,5.1,3.5,1.4,0.2\n2,7.0,3.2,4.7,1.4\n3,6.3,3.3,6.0,2.5\n",
                fixedExample: "0,5.1,3.5,1.4,0.2\n1,7.0,3.2,4.7,1.4\n2,6.3,3.3,6.0,2.5\n",
                exampleKind: "csv")
        case .dataSizeMismatch:
            return Documentation(
                explanation:
                    "The data's sizes do not fit: a sample holds a different number of values than the model's input shape (a reshape keeps the number of elements; the message names the file the inputs come from), token ids meet a model without an embedding or one-hot input, an images file and its labels file hold different numbers of samples, a split leaves no training samples, a file holds no records or more than 2³¹ − 1, the data would not fit in memory as 32-bit floats, augmentation is asked of samples that are not images ([H, W] or [H, W, C]), or a tree has more nodes than the input [N, 1 + K] has rows (N) or a node more children than K. `nnc check` compares the files' headers with the model; training compares what it read.",
                badExample: "0,5.1,3.5,1.4,0.2,1.0\n1,7.0,3.2,4.7,1.4,1.0\n2,6.3,3.3,6.0,2.5,1.0\n",
                fixedExample: "0,5.1,3.5,1.4,0.2\n1,7.0,3.2,4.7,1.4\n2,6.3,3.3,6.0,2.5\n",
                exampleKind: "csv")
        case .corruptData:
            return Documentation(
                explanation:
                    "A binary data file is damaged or in a layout nnc does not read: an IDX or NPY file shorter or longer than its header declares (often an interrupted download; a gzip file is decompressed no further than its header declares, so one that inflates past it is refused at once), a header whose sizes overflow or exceed what the file can hold, a wrong magic number (the file is not IDX or NPY, or is compressed in another way than gzip), a corrupt or truncated gzip stream, or an NPY array in Fortran order or of objects. IDX files start 00 00, a type byte (08 for bytes) and the number of dimensions, then one big-endian u32 size per dimension.",
                badExample: "00 00 08 01 00 00 00 05 00 01 02",
                fixedExample: "00 00 08 01 00 00 00 03 00 01 02",
                exampleKind: "idx")
        case .nonFiniteData:
            return Documentation(
                explanation:
                    "A value in a data file is NaN or infinite: a CSV field `nan`, `inf` or a number too large for a 32-bit float, or a NaN or infinity stored in an NPY or IDX float array (inputs or regression targets), or a value that scaling pushed past a float's range. One such value makes every loss and gradient it touches NaN, so nnc refuses the data before training, naming the file and the record, instead of letting the loss diverge (E0520). Fill the missing values (with the feature's mean, say) or drop their records.",
                badExample: "0,5.1,3.5,1.4,0.2\n1,7.0,nan,4.7,1.4\n2,6.3,3.3,6.0,2.5\n",
                fixedExample: "0,5.1,3.5,1.4,0.2\n1,7.0,3.2,4.7,1.4\n2,6.3,3.3,6.0,2.5\n",
                exampleKind: "csv")
        case .invalidPreprocessing:
            return Documentation(
                explanation:
                    "A weights file carries the preprocessing its training run fitted (`nnc.preprocessing` in its metadata), and `nnc eval` and `nnc predict` prepare data with it. It is refused when it cannot be read, when it does not fit the model (another input shape, another number of classes, statistics for another number of features) or when its values cannot be applied: a scale or mean that is not finite, or a standard deviation that is not a positive finite number. nnc's own fit never saves a deviation of 0 (a constant feature is divided by 1, as scikit-learn's StandardScaler does); dividing by 0 would make the feature infinite, and clamping it to a tiny epsilon, as Keras's Normalization layer does, would multiply it by millions, so a 0 means the file was altered. Train again, or use the weights file the run wrote.",
                badExample:
                    "{\"inputShape\": [4], \"isFitted\": true, \"mean\": [5.8, 3.1, 3.8, 1.2], \"standardDeviation\": [0.8, 0.4, 0, 0.8], \"standardize\": true, \"targets\": {\"sparse\": {\"classes\": 3}}}",
                fixedExample:
                    "{\"inputShape\": [4], \"isFitted\": true, \"mean\": [5.8, 3.1, 3.8, 1.2], \"standardDeviation\": [0.8, 0.4, 1.8, 0.8], \"standardize\": true, \"targets\": {\"sparse\": {\"classes\": 3}}}",
                exampleKind: "preprocessing")
        case .labelMismatch:
            return Documentation(
                explanation:
                    "The labels do not fit what the loss compares them with. The class losses want one class number per output row: one per sample for an output [B, classes], one per step for a sequence output [B, T, classes] (an output [B, 28, 10] from dense layers on [28, 28] images without a flatten wants 28). Regression losses and binary cross-entropy want one target per output value: labels of shape (N, 5000) cannot meet an output [B, 1]. Labels stored one-hot, (N, classes), meet a sparse loss that wants class numbers: save numpy.argmax(y, axis=1) instead. nnc compares the labels' shape with the output before anything is filled, from the files' headers when you run `nnc check` and from the data read when you train, evaluate or predict.",
                badExample: "(64, 5000)",
                fixedExample: "(64, 1)",
                exampleKind: "labels")
        case .trainingDiverged:
            return Documentation(
                explanation:
                    "A training step produced a loss that is NaN or infinite, or one more than 10,000 times the untrained model's (the first step's loss: a healthy run's loss falls from there; among the bundled examples only hinton_dropout_mlp's learning rate of 10 goes past 1.2 times it, to 9.1 times, and recovers), or the weights became NaN while the loss stayed finite (a ReLU maps NaN to 0 and hides it); training stopped before that step changed any weight. The message names the step, its learning rate and the first layer whose output went non-finite (and any parameter that already was, when an earlier update overflowed), or how far the loss grew. The usual causes are a learning rate too large for the model, exploding gradients in a deep or recurrent network, or inputs that were not scaled. Lower the learning rate, clip gradients (`regularization: {clip_norm: 1.0}`) or scale the data; the last checkpoint in the run folder is the last good state. NaN in the data itself is refused when the data are read.",
                badExample: "nnc train models/iris_mlp.yaml   # with optimizer: {sgd: 1000000.0}",
                fixedExample: "nnc train models/iris_mlp.yaml   # with optimizer: {sgd: 0.01}",
                exampleKind: "run")
        case .checkpointMismatch:
            return Documentation(
                explanation:
                    "`nnc train --resume` continues a run from its checkpoint, which holds every parameter and optimizer state tensor by layer name and shape. When the spec changed so that a tensor is missing, has another shape, or the checkpoint has tensors the model lacks, resuming would continue a different model, so it is refused and every difference is listed. Settings that do not change shapes (epochs, learning rate, schedule) may change: the run continues with them and says so. A `weights.safetensors` file holds no training state and cannot be resumed.",
                badExample: "nnc train models/lenet5.yaml --resume runs/lenet1",
                fixedExample: "nnc train models/lenet5.yaml --resume runs/lenet5",
                exampleKind: "run")
        case .unreadableWeights:
            return Documentation(
                explanation:
                    "A weights or checkpoint file (safetensors) could not be read: it does not exist or is not a regular file, is truncated, its header is longer than 100 MB or not strict JSON (a key twice in one object), a shape is not a list of whole numbers whose product fits, a dtype is unknown, a tensor's byte range does not match its shape and dtype or overlaps another tensor's, or a checkpoint's training state or settings are out of range (an epoch below 0, a batch past the epoch's end, a step past 2^53) or do not decode. The message names the file and the tensor or field. nnc reads F32 and F64 tensors. Files written by `nnc train` are complete or absent, never half-written, since every write goes to a temporary file first.",
                badExample: "nnc eval models/lenet5.yaml --weights runs/lenet5/weights.safetensor",
                fixedExample: "nnc eval models/lenet5.yaml --weights runs/lenet5/weights.safetensors",
                exampleKind: "run")
        case .unwritableOutput:
            return Documentation(
                explanation:
                    "A file nnc writes could not be written: a file of the run folder (checkpoints, weights, the metrics log, the curves), or the output of `export`, `show`, or `tune`'s log and best spec. The folder is not writable, the disk is full, or the path names a file where a folder should be. The message names the file; choose another place with `--out DIR` or `train.checkpoint.dir` (training) or `-o` (the other commands). The previous checkpoint stays intact because every file is written to a temporary name and then renamed.",
                badExample: "nnc train models/lenet5.yaml --out /proc/nnc",
                fixedExample: "nnc train models/lenet5.yaml --out runs/lenet5",
                exampleKind: "run")
        case .nonFiniteWeights:
            return Documentation(
                explanation:
                    "A weights or checkpoint file (for `nnc eval`, `nnc predict`, `transfer:` or `--resume`) holds NaN or infinite values. A model loaded with them computes NaN, or, behind a ReLU that maps NaN to 0, trains and predicts on garbage without a word, so the file is refused and each damaged tensor is named with the first bad value's index. `nnc train` never writes such a file (a run whose loss or weights stop being finite stops with E0520 before its checkpoint): the file was damaged or written by another tool. Use an earlier checkpoint, or train again.",
                badExample: "nnc eval models/iris_mlp.yaml --weights damaged/weights.safetensors",
                fixedExample: "nnc eval models/iris_mlp.yaml --weights runs/iris_mlp/weights.safetensors",
                exampleKind: "run")
        case .runFolderInUse:
            return Documentation(
                explanation:
                    "Every `nnc train` holds an advisory lock (flock) on its run folder's `.nnc-lock` file from start to end. A second run given the same folder would overwrite the first one's checkpoints and weights, or delete a checkpoint the first is about to rename, so it is refused at once with the process id of the run that holds the folder. Wait for that run to end (or stop it with Ctrl-C, which writes a checkpoint), or give the second run another folder with `--out DIR`. The lock ends with its process, so a killed run never leaves a folder locked.",
                badExample: "nnc train models/lenet5.yaml --out runs/a &\nnnc train models/lenet5.yaml --out runs/a",
                fixedExample: "nnc train models/lenet5.yaml --out runs/a &\nnnc train models/lenet5.yaml --out runs/b",
                exampleKind: "run")
        case .unwritableEventFiles:
            return Documentation(
                explanation:
                    "`nnc train --tensorboard [DIR]` writes TensorBoard event files into DIR/train and DIR/validation (DIR defaults to `tensorboard` in the run folder). The folders and a first event file are created before the first training step, so a folder that cannot be created or written (no permission, a file where a folder should be, a read-only disk) stops the run at once with exit 1, before any work is done. If writing fails later (a full disk), training goes on, the weights and checkpoints are written as usual, no more events are written, and the error is reported at the end (exit 1). Give `--tensorboard` a folder you can write, or leave DIR out.",
                badExample: "nnc train models/iris_mlp.yaml --tensorboard /proc/nnc-logs",
                fixedExample: "nnc train models/iris_mlp.yaml --tensorboard runs/logs",
                exampleKind: "run")
        case .searchRangeOutsideTune:
            return Documentation(
                explanation:
                    "A value written as a search range (`{log_uniform: [low, high]}`, `{uniform: [low, high]}`, `{int_uniform: [low, high]}` or `{choice: [a, b, …]}`) marks a hyperparameter for `nnc tune`, which trains one trial per sampled value set and writes the best as a plain spec (`best.yaml`). Every other command needs one value there: train the best spec tune wrote, or write a value in place of the range. `check` goes on with the range's low bound (or first choice) so the rest of the spec is still checked.",
                badExample:
                    "input: [4]\nlayers:\n  - dense: {units: 3, activation: softmax}\nloss: categorical_crossentropy\noptimizer: {adam: {log_uniform: [1e-4, 1e-1]}}\n",
                fixedExample:
                    "input: [4]\nlayers:\n  - dense: {units: 3, activation: softmax}\nloss: categorical_crossentropy\noptimizer: {adam: 0.001}\n"
            )
        case .invalidSearchRange:
            return Documentation(
                explanation:
                    "A numeric search range is a list of two numbers, low before high: `uniform` samples evenly between them, `log_uniform` evenly on the log scale (both bounds above 0), `int_uniform` whole numbers from low to high inclusive (whole bounds). A `choice` is a non-empty list of values, each written as the spec would write it.",
                badExample: "nnc tune model.yaml   # optimizer: {adam: {log_uniform: [0, 1e-1]}}",
                fixedExample: "nnc tune model.yaml   # optimizer: {adam: {log_uniform: [1e-4, 1e-1]}}",
                exampleKind: "run")
        case .noSearchRange:
            return Documentation(
                explanation:
                    "`nnc tune` samples the search ranges written in a YAML spec in place of values; a spec without one has nothing to search (the DSL has no search ranges). Mark at least one value with a range.",
                badExample: "nnc tune model.yaml   # optimizer: {adam: 0.001}",
                fixedExample: "nnc tune model.yaml   # optimizer: {adam: {log_uniform: [1e-4, 1e-1]}}",
                exampleKind: "run")
        case .tuneFolderMismatch:
            return Documentation(
                explanation:
                    "A search folder's `trials.jsonl` starts with the search it belongs to: the spec's text, the seed, the trial epochs, the metric and halving. Rerunning the same command resumes the search (finished trials are kept, an interrupted one is trained again); a different spec, search space, seed or setting would mix trials that cannot be compared, so it is refused once a trial of the folder's search has ended (a search stopped by an error before that is started afresh). Give the new search its own folder with `-o DIR`, or delete the old one.",
                badExample: "nnc tune model.yaml --seed 1 -o runs/t\nnc tune model.yaml --seed 2 -o runs/t",
                fixedExample: "nnc tune model.yaml --seed 1 -o runs/t\nnc tune model.yaml --seed 2 -o runs/t2",
                exampleKind: "run")
        case .tuneNeedsValidation:
            return Documentation(
                explanation:
                    "`nnc tune` ranks trials by a validation metric (the spec's first metric on the validation data, or the validation loss, or `--metric`): the test split stays untouched for the final judgment of the best spec. A spec without validation data, or a `--metric` the runs do not record, cannot rank its trials. Hold out part of the training data with `validation_split` under `train:`, or name a validation set under `data:`.",
                badExample: "nnc tune model.yaml   # train: {epochs: 10, batch_size: 16}",
                fixedExample: "nnc tune model.yaml   # train: {epochs: 10, batch_size: 16, validation_split: 0.2}",
                exampleKind: "run")
        case .showUnknownLayer:
            return Documentation(
                explanation:
                    "`nnc show weights` and `nnc show activations` draw one layer, named with `--layer` as `nnc summary` names it (a layer's `name:`, or its type with a number, such as `conv2d_1`); without `--layer` they draw the first layer with trainable weights. A name the model does not have is refused with the model's layer names and the closest one.",
                badExample: "nnc show weights models/lenet5.yaml --layer conv1",
                fixedExample: "nnc show weights models/lenet5.yaml --layer conv2d",
                exampleKind: "run")
        case .showUndrawableLayer:
            return Documentation(
                explanation:
                    "`nnc show weights` draws a conv2d layer's filters and a dense layer's weights (as images when the layer reads an image, else as a heat map of its matrix); other layers have no kernel it can lay out as pictures. `nnc show activations` draws an output of rank 1 (a strip), 2 (a heat map) or 3 (one tile per channel); a layer whose output has another rank, or that the compiled plan does not compute separately, cannot be drawn. Name a drawable layer with `--layer`.",
                badExample: "nnc show weights models/lenet5.yaml --layer maxpool2d",
                fixedExample: "nnc show weights models/lenet5.yaml --layer conv2d",
                exampleKind: "run")
        case .showSampleOutOfRange:
            return Documentation(
                explanation:
                    "`nnc show activations` runs one sample of the spec's data through the trained model: the test split's (else the validation split's, else the training split's), split as training split it, numbered from 0. A `--sample` at or past the split's size names no sample; the message gives the size.",
                badExample: "nnc show activations models/lenet5.yaml --sample 1000   # 1,000 test samples",
                fixedExample: "nnc show activations models/lenet5.yaml --sample 999",
                exampleKind: "run")
        case .batchLargerThanData:
            return Documentation(
                explanation:
                    "A `batch_schedule` grows the batch size by epoch, and nnc compiles one plan for each size it lists. A size larger than the training data would hold every sample in one batch and still be compiled (and allocated) for the size written, so it is refused when the data is loaded, with the number of training samples (after validation_split). Lower the size to at most that number, or drop the change.",
                badExample:
                    "train: {epochs: 10, batch_size: 32, batch_schedule: {epochs: [5], sizes: [4096]}}   # 96 training samples",
                fixedExample: "train: {epochs: 10, batch_size: 32, batch_schedule: {epochs: [5], sizes: [96]}}",
                exampleKind: "run")
        case .exportUnsupportedLayer:
            return Documentation(
                explanation:
                    "`nnc export --format onnx` writes each layer as ONNX operators. Every layer kind nnc compiles has an ONNX form, but some settings have none: a recurrent layer whose activation ONNX's LSTM, GRU and RNN operators do not offer (selu, swish, mish), a recurrent or attention layer that a padding mask reaches (an embedding's padding_index: ONNX's recurrent operators take sequence lengths, not masks), an average pool that counts padding (count_padding: true) and rounds its output size up (ONNX would count the extra cells too). The error is located at the layer and names it, its kind and the setting; every such layer of the model is listed at once, and nothing is written. Change the setting and train again to export.",
                badExample: "nnc export model.yaml --format onnx   # lstm: {units: 32, activation: selu}",
                fixedExample: "nnc export model.yaml --format onnx   # lstm: {units: 32, activation: tanh}",
                exampleKind: "run")
        case .doctorInitialLoss:
            return Documentation(
                explanation:
                    "Before any training, a model's predictions carry no information, so its loss has a known value: ln C for C-class cross-entropy (a uniform guess), ln 2 per output for binary cross-entropy, about the mean squared label for a regression output that starts near 0. `nnc doctor` compares the untrained model's loss on its first batch with that value; more than twice it (four times for regression) means the untrained outputs are already confident, usually because the initial weights or the inputs are too large; less than half means the model already knows the labels, which suggests they leak into the inputs.",
                badExample: "nnc doctor model.yaml   # init: {weights: {normal: {std: 1.0}}}",
                fixedExample: "nnc doctor model.yaml   # init: {weights: glorot_uniform}",
                exampleKind: "doctor")
        case .doctorDiverged:
            return Documentation(
                explanation:
                    "`nnc doctor` trains the untrained model on one batch of the spec's size (the same number of samples per class), as the spec trains, at its first learning rate. The loss rose above ten times its start, or became NaN or infinite: the learning rate is too large for this model. With SGD momentum μ the effective step is lr/(1 − μ), so a rate taken from a paper that scales its steps by (1 − μ) (Hinton et al. 2012: Δw = μ·Δw − (1 − μ)·ε·g) must be multiplied by (1 − μ) here.",
                badExample: "nnc doctor model.yaml   # optimizer: {sgd: {learning_rate: 10.0, momentum: 0.5}}",
                fixedExample: "nnc doctor model.yaml   # optimizer: {sgd: {learning_rate: 0.1, momentum: 0.5}}",
                exampleKind: "doctor")
        case .doctorCannotOverfit:
            return Documentation(
                explanation:
                    "A working model learns one batch by heart: trained alone on one batch of the spec's size (the same number of samples per class), as the spec trains and at its first learning rate, its loss must fall below a tenth of where it started within the step budget (`--steps`, 500 by default). When it does not, something is wrong before any question of data or generalization: the loss does not suit the output (a linear output under cross-entropy), a path is frozen or cut off, or the learning rate is far too small. Dropout and penalties slow this down but should not stop it (they stay on: some recipes need their noise).",
                badExample: "nnc doctor model.yaml   # optimizer: {sgd: 0.00001}",
                fixedExample: "nnc doctor model.yaml   # optimizer: {sgd: 0.1}",
                exampleKind: "doctor")
        case .doctorUnchangedWeights:
            return Documentation(
                explanation:
                    "After one training step on the first batch, every trainable tensor should differ from its initial value. One that did not either received a gradient of exactly 0 (nothing downstream depends on it: a layer whose ReLU units are all dead, a branch cut off from the loss) or a step too small to change a float32 value (a learning rate of 0 or close to it).",
                badExample: "nnc doctor model.yaml   # optimizer: {sgd: 0.0}",
                fixedExample: "nnc doctor model.yaml   # optimizer: {sgd: 0.01}",
                exampleKind: "doctor")
        case .doctorNothingTrains:
            return Documentation(
                explanation:
                    "Every layer of the model is frozen (`trainable: false`), so training cannot change it: the loss stays where it starts. Freezing is for transfer learning, where some layers keep pretrained weights while others learn.",
                badExample: "nnc doctor model.yaml   # every layer with trainable: false",
                fixedExample: "nnc doctor model.yaml   # the last layer trainable",
                exampleKind: "doctor")
        case .doctorFrozenChanged:
            return Documentation(
                explanation:
                    "One training step changed a tensor of a layer declared `trainable: false`. nnc gives frozen tensors no gradient and no update, so this would be a bug in nnc itself; please report it with the spec.",
                badExample: "nnc doctor model.yaml   # a frozen layer changed by a step",
                fixedExample: "nnc doctor model.yaml   # the same spec after the bug is fixed",
                exampleKind: "doctor")
        case .doctorLargeStep:
            return Documentation(
                explanation:
                    "The first training step changed a weight tensor by more than its own size (‖Δw‖/‖w‖ > 1), or a gradient was not finite. Healthy training changes weights by about a thousandth of their size per step; a step as large as the weights throws away what they held and usually diverges within a few steps. Lower the learning rate; with SGD momentum μ remember the effective step lr/(1 − μ).",
                badExample: "nnc doctor model.yaml   # optimizer: {sgd: 10.0}",
                fixedExample: "nnc doctor model.yaml   # optimizer: {sgd: 0.01}",
                exampleKind: "doctor")
        case .doctorVanishingGradient:
            return Documentation(
                explanation:
                    "On the first batch, one weight tensor's gradient is more than 10,000 times smaller than another's: it will barely learn while the others do. Typical of deep stacks of sigmoid or tanh layers, whose derivatives (at most ¼ and 1) multiply layer by layer, and of poorly scaled initial weights. ReLU-like activations, batch or layer normalization, residual connections and He or Glorot initialization keep gradients comparable.",
                badExample: "nnc doctor model.yaml   # ten sigmoid layers",
                fixedExample: "nnc doctor model.yaml   # ten relu layers with he_normal",
                exampleKind: "doctor")
        case .doctorDeadUnits:
            return Documentation(
                explanation:
                    "More than half of a ReLU layer's units output 0 for every sample of the first batch. A unit that is 0 everywhere passes no gradient to its weights, so it may never recover: capacity lost before training starts. Usually large negative biases, a large learning rate that pushed units into the negative range, or unscaled inputs. He initialization, a smaller learning rate, leaky_relu or scaled inputs help.",
                badExample: "nnc doctor model.yaml   # bias initializer {constant: -5}",
                fixedExample: "nnc doctor model.yaml   # bias initializer zeros",
                exampleKind: "doctor")
        case .doctorSaturatedUnits:
            return Documentation(
                explanation:
                    "More than half of a sigmoid or tanh layer's outputs on the first batch are within 0.01 of the function's bounds, where its derivative is nearly 0: those units learn very slowly. Usually inputs that are not scaled or initial weights that are too large.",
                badExample: "nnc doctor model.yaml   # tanh layer on pixels 0-255",
                fixedExample: "nnc doctor model.yaml   # preprocess: {scale: 1/255}",
                exampleKind: "doctor")
        case .doctorMissingClass:
            return Documentation(
                explanation:
                    "The output has C classes but some class number never appears among the training labels. A missing class 0 with labels 1…C usually means the labels count from 1; nnc's class numbers run from 0 to C − 1. Otherwise the output may have more units than there are classes, or a split lost a class.",
                badExample: "nnc doctor model.yaml   # labels 1..3 with a 4-unit output",
                fixedExample: "nnc doctor model.yaml   # labels 0..2 with a 3-unit output",
                exampleKind: "doctor")
        case .doctorImbalancedClasses:
            return Documentation(
                explanation:
                    "One class has more than ten times the training samples of another. A model can then score a high accuracy by favouring the common classes; per-class metrics tell the truth, and resampling the rare classes or weighting the loss counters it.",
                badExample: "nnc doctor model.yaml   # 1,000 samples of class 0, 20 of class 1",
                fixedExample: "nnc doctor model.yaml   # classes resampled to similar counts",
                exampleKind: "doctor")
        case .doctorInputScale:
            return Documentation(
                explanation:
                    "After preprocessing, the inputs' mean or standard deviation exceeds 5 in magnitude (or every value is the same). Large inputs make large first-layer outputs and gradients: sigmoid and tanh units saturate and the learning rate that suits one layer is too large for another. Scale pixels to [0, 1] with `preprocess: {scale: 1/255}`, standardize other features with `preprocess: {standardize: true}`.",
                badExample: "nnc doctor model.yaml   # MNIST pixels 0-255",
                fixedExample: "nnc doctor model.yaml   # preprocess: {scale: 1/255}",
                exampleKind: "doctor")
        case .doctorSharedSamples:
            return Documentation(
                explanation:
                    "Some validation or test samples have exactly the same inputs as training samples. Their score then measures memory rather than generalization, and looks better than the model is. Remove duplicates before splitting the data.",
                badExample: "nnc doctor model.yaml   # test.csv contains rows of train.csv",
                fixedExample: "nnc doctor model.yaml   # duplicates removed before the split",
                exampleKind: "doctor")
        case .doctorBatchScaling:
            return Documentation(
                explanation:
                    "`--batch-size` changed the batch size the spec's learning rate was chosen for. Averaged over a larger batch, each gradient is less noisy and the linear-scaling rule (Goyal et al. 2017) multiplies the learning rate by the same factor as the batch (with a few epochs of warm-up when it grows); keeping the rate makes a larger batch learn more slowly per sample.",
                badExample: "nnc doctor model.yaml --batch-size 256   # spec: batch_size 32, learning rate 0.01",
                fixedExample: "nnc doctor model.yaml --batch-size 256   # with the learning rate 0.08",
                exampleKind: "doctor")
        case .strideDropsRows:
            return Documentation(
                explanation:
                    "Per spatial dimension out = ⌊(in + pad_before + pad_after − dilation·(kernel − 1) − 1)/stride⌋ + 1. With floor rounding, a window that would run past the end is not computed: when the span in + pad_before + pad_after − dilation·(kernel − 1) − 1 is not a multiple of the stride, the last (span mod stride) cells are never read; when some of them are input rows or columns rather than padding, nnc warns. The model still works, but those pixels are silently ignored. padding: same, or padding that makes the span a multiple of the stride, reads everything. A window smaller than its stride (a 1×1 stride-2 shortcut) skips cells by design and is not reported.",
                badExample: "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 4, kernel: 3, stride: 2}\n",
                fixedExample:
                    "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 4, kernel: 3, stride: 2, padding: same}\n")
        case .deadBranch:
            return Documentation(
                explanation:
                    "A layer's output reaches no model output: nothing reads it and it is not the `output` layer, so it and the layers only it reads are computed for nothing and never trained. Wire it into the output path, choose it with `output:`, or delete it.",
                badExample:
                    "input: [8]\nlayers:\n  - dense: {units: 8, name: trunk}\n  - dense: {units: 4, name: side}\n  - dense: {units: 2, inputs: [trunk]}\n",
                fixedExample:
                    "input: [8]\nlayers:\n  - dense: {units: 8, name: trunk}\n  - dense: {units: 4, name: side}\n  - dense: {units: 2, inputs: [side]}\n"
            )
        case .deepSigmoid:
            return Documentation(
                explanation:
                    "More than three hidden layers with sigmoid or tanh units and a small initialization (uniform or normal with scale ≤ 0.01): each layer shrinks the gradient, so the lower layers barely learn (Glorot & Bengio 2010). Use a scaled initialization (glorot_uniform, lecun_normal), ReLU units, or batch normalization.",
                badExample:
                    "input: [8]\ninit: {weights: {normal: {std: 0.01}}}\nlayers:\n  - dense: {units: 32, activation: sigmoid}\n  - dense: {units: 32, activation: sigmoid}\n  - dense: {units: 32, activation: sigmoid}\n  - dense: {units: 32, activation: sigmoid}\n  - dense: 1\n",
                fixedExample:
                    "input: [8]\ninit: {weights: glorot_uniform}\nlayers:\n  - dense: {units: 32, activation: sigmoid}\n  - dense: {units: 32, activation: sigmoid}\n  - dense: {units: 32, activation: sigmoid}\n  - dense: {units: 32, activation: sigmoid}\n  - dense: 1\n"
            )
        case .softmaxThenLogits:
            return Documentation(
                explanation:
                    "`from_logits: true` tells the loss that the output holds raw scores and that it should apply softmax (or sigmoid) itself. If the output layer already applies it, the function is applied twice and the loss learns from squashed values.",
                badExample:
                    "input: [8]\nlayers: [{dense: {units: 3, activation: softmax}}]\nloss: {categorical_crossentropy: {from_logits: true}}\n",
                fixedExample:
                    "input: [8]\nlayers: [{dense: 3}]\nloss: {categorical_crossentropy: {from_logits: true}}\n")
        case .unusedBlock:
            return Documentation(
                explanation:
                    "A block is defined under `blocks:` but no `block:` item uses it: probably a name mistyped in a use, or a leftover.",
                badExample: "input: [8]\nblocks:\n  unit:\n    layers: [{dense: 8}]\nlayers:\n  - dense: 1\n",
                fixedExample:
                    "input: [8]\nblocks:\n  unit:\n    layers: [{dense: 8}]\nlayers:\n  - block: unit\n  - dense: 1\n")
        case .missingDataFile:
            return Documentation(
                explanation:
                    "A file named in `data:` (or the weights file of `transfer:`) does not exist. Paths are relative to the model file. The model still checks, but it cannot train until the file is there.",
                badExample:
                    "input: [4]\nlayers: [{dense: {units: 3, activation: softmax}}]\nloss: sparse_categorical_crossentropy\ndata: {train: {path: no-such-file.csv}}\n",
                fixedExample:
                    "input: [4]\nlayers: [{dense: {units: 3, activation: softmax}}]\nloss: sparse_categorical_crossentropy\n"
            )
        case .unsupportedKerasLayer:
            return Documentation(
                explanation:
                    "`nnc import` turns a Keras model's architecture (model.to_json()) into an nnc spec, layer by layer. A layer kind nnc has no layer for (a Lambda, a custom layer, a second input, a layer called twice) cannot be written, and is reported at its place in the JSON file; nothing is written until every layer imports. Replace the layer in Keras with one nnc has (`nnc schema --reference` lists them), or write that part of the spec by hand.",
                badExample: "nnc import model.json   # {\"class_name\": \"Lambda\", …}",
                fixedExample:
                    "nnc import model.json   # {\"class_name\": \"Activation\", \"config\": {\"activation\": \"relu\"}}",
                exampleKind: "run")
        case .unsupportedKerasSetting:
            return Documentation(
                explanation:
                    "A Keras layer nnc has can still use a setting nnc cannot express: channels_first data, a batch normalization over another axis than the last, a recurrent layer that returns its state or runs backwards, a ReLU with a maximum. Importing it without the setting would change the model, so it is refused at the setting's place in the JSON file.",
                badExample: "nnc import model.json   # Conv2D with \"data_format\": \"channels_first\"",
                fixedExample: "nnc import model.json   # Conv2D with \"data_format\": \"channels_last\"",
                exampleKind: "run")
        case .notAKerasModel:
            return Documentation(
                explanation:
                    "`nnc import` reads the JSON that Keras's model.to_json() writes: class_name Sequential or Functional, with config.layers, and the input's shape (an InputLayer, or the first layer's batch_shape). Another JSON file, or a model built without an input shape, has nothing to import.",
                badExample: "nnc import weights.json",
                fixedExample: "nnc import model.json   # open(\"model.json\", \"w\").write(model.to_json())",
                exampleKind: "run")
        case .onnxUnsupportedNode:
            return Documentation(
                explanation:
                    "`nnc import model.onnx` turns an ONNX graph back into nnc layers: MatMul or Gemm with a constant kernel (and an Add of a constant bias) is a dense layer, Conv a convolution, pools, BatchNormalization, LayerNormalization, activations, Flatten and Reshape, the elementwise merges of two layers, Concat, Dropout, Gather on the input (an embedding) and LSTM, GRU and RNN with their transposes. A node outside these forms (an op nnc has no layer for, a constant operand where a layer's output is needed, a layout nnc cannot follow) is reported with its index, name and op type; nothing is written until every node imports.",
                badExample: "nnc import model.onnx   # node 3 'Where_3' (Where)",
                fixedExample: "nnc import model.onnx   # the model exported without the Where node",
                exampleKind: "run")
        case .onnxUnsupportedOpset:
            return Documentation(
                explanation:
                    "nnc reads ONNX's default domain from opset 11 to 21 (the attribute-to-input moves of Dropout, Squeeze and the reductions are read both ways). An older or newer opset, or a node of another domain (ai.onnx.ml, a vendor's), is refused rather than guessed at.",
                badExample: "nnc import old.onnx   # opset_import {domain: \"\", version: 7}",
                fixedExample:
                    "python3 -c \"import onnx; from onnx import version_converter as v; onnx.save(v.convert_version(onnx.load('old.onnx'), 18), 'model.onnx')\"",
                exampleKind: "run")
        case .onnxUnsupportedTensor:
            return Documentation(
                explanation:
                    "nnc's weights are float32. An initializer (or Constant) of another element type, float16, double or an integer type other than the int64 of shapes and axes, or one stored in an external data file, cannot become an nnc weight and is refused by name.",
                badExample: "nnc import model_fp16.onnx",
                fixedExample: "nnc import model.onnx   # exported in float32",
                exampleKind: "run")
        case .notAnONNXModel:
            return Documentation(
                explanation:
                    "`nnc import` reads a .onnx file as ONNX's ModelProto: a graph with exactly one input (besides the initializers) of known per-sample dimensions, float32 or int64 token ids, and one output. A file that does not decode, or a graph with several inputs or outputs or a symbolic dimension past the batch, cannot become an nnc spec.",
                badExample: "nnc import weights.safetensors.onnx",
                fixedExample: "nnc import model.onnx   # written by torch.onnx.export or nnc export --format onnx",
                exampleKind: "run")
        case .hdf5Unavailable:
            return Documentation(
                explanation:
                    "`nnc import model.json --weights model.weights.h5` reads Keras's HDF5 weights with the system's libhdf5, loaded when the file is read (nnc builds without it). When no libhdf5 (1.10 or later) can be loaded, the weights cannot be read; the architecture alone still imports without --weights.",
                badExample: "nnc import model.json --weights model.weights.h5   # libhdf5 not installed",
                fixedExample: "apt-get install -y libhdf5-103-1 && nnc import model.json --weights model.weights.h5",
                exampleKind: "run")
        case .notAKerasWeightsFile:
            return Documentation(
                explanation:
                    "Keras 3's `model.save_weights(\"x.weights.h5\")` writes an HDF5 file. A file that HDF5 cannot open (another format, Keras's .keras zip archive, a truncated download) holds no weights nnc can read.",
                badExample: "nnc import model.json --weights model.keras",
                fixedExample:
                    "nnc import model.json --weights model.weights.h5   # model.save_weights(\"model.weights.h5\")",
                exampleKind: "run")
        case .kerasWeightsMismatch:
            return Documentation(
                explanation:
                    "Keras stores a layer's variables as `layers/<class in snake case, numbered _1, _2 … in model order>/vars/0, 1, …` (`cell/vars` in a recurrent layer, `forward_layer/cell/vars` and `backward_layer/cell/vars` in a bidirectional one), in the order and shapes nnc's layer holds. A variable that is missing, extra or of another shape means the weights were saved from a different model than the JSON describes; the error names the HDF5 path and the shape nnc expects.",
                badExample: "nnc import model.json --weights other_model.weights.h5",
                fixedExample: "nnc import model.json --weights model.weights.h5   # saved from the same model",
                exampleKind: "run")
        case .kerasWeightsType:
            return Documentation(
                explanation:
                    "nnc's weights are float32; Keras variables stored as float32 or float64 are read (float64 rounded). Another element type (float16 or bfloat16 from a mixed-precision policy, an integer) is refused by its HDF5 path.",
                badExample: "nnc import model.json --weights model_fp16.weights.h5",
                fixedExample: "nnc import model.json --weights model.weights.h5   # saved under the float32 policy",
                exampleKind: "run")
        case .onnxChannelsFirstInput:
            return Documentation(
                explanation:
                    "nnc's images are channels-last ([H, W, C]), as Keras's are. An ONNX model whose input goes straight into a Conv or a pool reads channels-first images ([C, H, W], PyTorch's layout); the imported spec takes the same images channels-last, so inputs given to `nnc predict` must be transposed from what the ONNX model took.",
                badExample: "nnc import model.onnx   # input [N, 1, 28, 28] into Conv",
                fixedExample: "nnc predict spec.yaml --weights spec.safetensors --input images_hwc.npy",
                exampleKind: "run")
        case .mpiUnavailable:
            return Documentation(
                explanation:
                    "Under `mpirun` (the environment has OMPI_COMM_WORLD_SIZE), `nnc train` loads Open MPI's library (libmpi.so.40) at run time; building nnc never needs it. When the library is missing, or is not Open MPI 4, or MPI_Init_thread fails, the run stops before any work. Install Open MPI (Debian and Ubuntu: `apt-get install openmpi-bin libopenmpi3`), or run nnc without mpirun to train in one process.",
                badExample: "mpirun -np 2 nnc train models/iris_mlp.yaml   # libopenmpi3 not installed",
                fixedExample: "apt-get install openmpi-bin libopenmpi3\nmpirun -np 2 nnc train models/iris_mlp.yaml",
                exampleKind: "run")
        case .batchSmallerThanRanks:
            return Documentation(
                explanation:
                    "Under `mpirun -np N`, the spec's `batch_size` B stays the global batch: each step's B samples are split into N contiguous shares, the first B mod N ranks taking one sample more than B / N. Every rank runs the same plan on its share, so every batch, the last short one included, must give every rank at least one sample: B at least N, and the last batch (the sample count mod B, unless `drop_last` drops it) at least N. Raise `batch_size`, set `drop_last: true`, or launch fewer ranks.",
                badExample: "mpirun -np 4 nnc train model.yaml   # train: {batch_size: 2}",
                fixedExample: "mpirun -np 2 nnc train model.yaml   # train: {batch_size: 2}",
                exampleKind: "run")
        case .ranksDisagree:
            return Documentation(
                explanation:
                    "Before the first step, every rank of an `mpirun` run sends the others a hash of its resolved spec, of its training data, of its initial (or resumed) weights and of its step. Ranks that would train different models or data, or start from different weights, would average gradients that do not belong together; the run is refused and the first differing rank named. Give every rank the same model file and data (the same files on a shared folder, or identical copies), and the same command line.",
                badExample: "mpirun -np 2 sh -c 'nnc train model-$OMPI_COMM_WORLD_RANK.yaml'",
                fixedExample: "mpirun -np 2 nnc train model.yaml",
                exampleKind: "run")
        case .rankUnresponsive:
            return Documentation(
                explanation:
                    "Every exchange between the ranks of an `mpirun` run (the start's hashes, each step's gradient all-reduce, the metrics) is watched: a rank that gets no answer from a peer within `--mpi-timeout` seconds (default 120) stops with this error, naming the rank it waited for, instead of waiting forever. The peer died, was stopped, or is far slower (a full disk, swapping). The run folder keeps its last checkpoint whole (rank 0 writes it atomically); resume with the same number of ranks and `--resume`. Raise `--mpi-timeout` when ranks are merely slow, e.g. during long validation.",
                badExample: "mpirun -np 2 nnc train model.yaml --mpi-timeout 5   # rank 1 stopped with kill -STOP",
                fixedExample: "mpirun -np 2 nnc train --resume runs/model",
                exampleKind: "run")
        case .checkpointRankCount:
            return Documentation(
                explanation:
                    "A checkpoint records how many ranks wrote it (`nnc.ranks`; one when absent). Resuming continues bit for bit only with the same number: each rank's share of every batch, and so the summation order of the averaged gradient, depends on it. Resuming under another number of ranks (or without mpirun a checkpoint written under it, or the reverse) is refused; resume with the ranks the run started with, or train afresh.",
                badExample: "mpirun -np 2 nnc train model.yaml\nmpirun -np 3 nnc train --resume runs/model",
                fixedExample: "mpirun -np 2 nnc train model.yaml\nmpirun -np 2 nnc train --resume runs/model",
                exampleKind: "run")
        case .importApproximation:
            return Documentation(
                explanation:
                    "nnc writes Keras's common initializers (Glorot, He, LeCun, uniform, normal, orthogonal, constant), the L1 and L2 regularizers and the max-norm, non-negative and unit-norm constraints. Another one (a truncated normal, variance scaling with custom arguments, a custom class, an activity regularizer) is left out and the layer keeps nnc's default: the architecture and parameter counts are the same, training starts differently. Set an nnc equivalent in the imported spec if it matters.",
                badExample:
                    "nnc import model.json   # \"kernel_initializer\": {\"class_name\": \"TruncatedNormal\", …}",
                fixedExample: "nnc import model.json   # \"kernel_initializer\": {\"class_name\": \"HeNormal\", …}",
                exampleKind: "run")
        case .scheduleIgnoresRate:
            return Documentation(
                explanation:
                    "Most schedules scale the optimizer's learning_rate ε₀ (step, exponential, cosine, warm-up, …). Three set every rate themselves: one_cycle and linear_one_cycle run from max_learning_rate/div_factor up to max_learning_rate and down again, and piecewise takes its values as the rates. A learning_rate written in the optimizer beside them is never used, which usually means the rate the author had in mind is not the one training gets. Remove it, or make the schedule's own values the rates you want.",
                badExample: Self.mlp
                    + "loss: categorical_crossentropy\noptimizer: {sgd: {learning_rate: 0.1}}\nschedule: {one_cycle: {max_learning_rate: 0.01, duration: 10, unit: epochs}}\ntrain: {epochs: 10}\n",
                fixedExample: Self.mlp
                    + "loss: categorical_crossentropy\noptimizer: sgd\nschedule: {one_cycle: {max_learning_rate: 0.01, duration: 10, unit: epochs}}\ntrain: {epochs: 10}\n"
            )
        }
    }
}
