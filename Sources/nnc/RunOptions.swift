import ArgumentParser
import NNCDriver

/// The run settings `train` shares with the tools that train a copy of the model (`doctor`,
/// `lr-find`): each overrides the spec's value when given.
struct RunOptions: ParsableArguments {
    @Option(name: .customLong("batch-size"), help: "Samples per step (overrides train.batch_size).")
    var batchSize: Int?

    @Option(help: "Seed of every random choice (overrides train.seed).")
    var seed: UInt64?

    @Option(help: "Threads (default: all cores, at most 256).")
    var threads: Int?

    var overrides: TrainingOptions.Overrides { .init(batchSize: batchSize, seed: seed, threads: threads) }

    func validate() throws {
        try OptionChecks.check(batchSize, "batch-size", in: OptionChecks.specInteger)
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
    }
}
