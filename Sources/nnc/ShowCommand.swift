import ArgumentParser
import Foundation
import NNCDriver

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Draw a trained layer's weights or one sample's activations as a PNG grid of tiles.",
        subcommands: [ShowWeights.self, ShowActivations.self])
}

extension Normalization: ExpressibleByArgument {}

/// What both pictures take: the model, its weights, the layer, the picture's file and colors.
struct PictureOptions: ParsableArguments {
    @OptionGroup var model: ModelOptions

    @Option(help: "The weights file (default: the run folder's weights.safetensors).")
    var weights: String?

    @Option(help: "A run folder whose weights.safetensors to draw (the picture goes there too).")
    var run: String?

    @Option(help: "The layer to draw, as `nnc summary` names it (default: the first layer with trainable weights).")
    var layer: String?

    @Option(
        help: """
            tile: each tile's own min–max, gray from black (minimum) to white (maximum); shared: one \
            range [−m, m] for the picture, m the largest |value|, blue (−m) – white (0) – red (+m) \
            (RGB tiles: 0 gray, ±m full channel).
            """)
    var normalize: Normalization?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The PNG file (default: in the run folder).")
    var output: String?

    @Option(help: "Threads (default: all cores, at most 256).")
    var threads: Int?

    func validate() throws {
        try model.refuseBind("show")
        if weights != nil && run != nil { throw ValidationError("give --weights or --run, not both") }
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
    }

    func settings(sample: Int = 0, input: String? = nil) -> Pictures.Settings {
        Pictures.Settings(
            weights: weights ?? run.map { ($0 as NSString).appendingPathComponent("weights.safetensors") },
            layer: layer, normalization: normalize, sample: sample, threads: OptionChecks.threads(threads),
            input: input)
    }

    /// Draws with `make`, writes the PNG and prints what was drawn; diagnostics on stderr, exit 1.
    func draw(_ make: () throws(TrainingFailure) -> Pictures.Picture) throws {
        do {
            let picture = try make()
            let path =
                output ?? ((run ?? picture.runDirectory) as NSString).appendingPathComponent(picture.defaultFileName)
            try Pictures.write(picture, to: path)
            print(model.format == .json ? picture.json(path: path) : picture.text(path: path))
        } catch {
            model.report(error.diagnostics)
            throw ExitCode(1)
        }
    }
}

struct ShowWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Draw a layer's trained weights: conv2d filters, or a dense layer's weights per unit.",
        discussion: """
            The first layer with trainable weights by default (--layer to choose). A conv2d layer's filters \
            are kh×kw tiles: RGB when the layer reads 3 channels, gray with 1, otherwise a row per filter with \
            a gray tile per input channel. A dense layer that reads an image (through flatten, or the model's \
            flat input whose data file holds images, such as MNIST's 28×28 read as [784]) gets one H×W tile per \
            unit; any other dense layer one heat map of its matrix, a row per unit. Tiles are scaled up to about \
            64 pixels (heat maps to about 256), 1 dark gray pixel apart, in a grid of ⌈√n⌉ columns. Default \
            normalization: shared (signed weights in diverging colors). \
            Exit status: 0 drawn, 1 spec, weights or layer errors, 64 usage errors.
            """)

    @OptionGroup var options: PictureOptions

    func run() throws {
        try options.draw { () throws(TrainingFailure) in
            try Pictures.weights(model: options.model.model, settings: options.settings())
        }
    }
}

struct ShowActivations: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "Draw a layer's outputs for one sample of the spec's data through the trained model.",
        discussion: """
            The sample (--sample, from 0) comes from the test split, else the validation split, else the \
            training split, prepared as training prepared it; with --input FILE, from a file of inputs only \
            (IDX or NPY images, or a CSV whose every column is a feature), read and prepared as \
            `nnc predict --input` reads it. The layer (default: the first layer with \
            trainable weights, the first hidden layer) is drawn from its output: feature maps [H, W, C] as C \
            gray tiles, a vector as a strip, a sequence as a heat map. Default normalization: tile (each \
            feature map's own min–max). Exit status: 0 drawn, 1 spec, data, weights or layer errors, 64 usage \
            errors.
            """)

    @OptionGroup var options: PictureOptions

    @Option(help: "The sample to run, numbered from 0 in its split (or in the --input file).")
    var sample = 0

    @Option(
        help: "A file of inputs to take the sample from, as `nnc predict --input` reads it (default: the spec's data).")
    var input: String?

    func validate() throws {
        try OptionChecks.check(sample, "sample", in: 0...OptionChecks.specInteger.upperBound)
    }

    func run() throws {
        try options.draw { () throws(TrainingFailure) in
            try Pictures.activations(
                model: options.model.model, settings: options.settings(sample: sample, input: input))
        }
    }
}
