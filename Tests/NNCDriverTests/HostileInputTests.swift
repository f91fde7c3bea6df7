import Foundation
import NNCSpec
import Testing

/// Hostile specs and command lines, run through the built `nnc` binary with a deadline and
/// (where the danger is memory) an address-space limit: each must end in a located refusal
/// (exit 1, or 64 for usage) or a result, never a trap, a hang or an allocation it cannot
/// make. The deadlines are generous; they catch hangs, not slowness.
@Suite(.serialized) struct HostileInputTests {
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-hostile-\(getpid())")

    func write(_ text: String, _ name: String) throws -> String {
        try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
        let url = Self.directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// `nnc args` within 60 s and 2 GB; returns the run after checking it neither timed out
    /// nor died of a signal.
    func nnc(_ arguments: [String], memory: Int = 2 << 30, sourceLocation: Testing.SourceLocation = #_sourceLocation)
        throws -> Binary.Run
    {
        let run = try Binary.run(arguments, seconds: 60, memory: memory)
        #expect(!run.timedOut, "nnc \(arguments.joined(separator: " ")) did not finish", sourceLocation: sourceLocation)
        #expect(
            run.status < 128, "nnc \(arguments.joined(separator: " ")) died: \(run.status)\n\(run.stderr.suffix(2000))",
            sourceLocation: sourceLocation)
        return run
    }

    // MARK: Integer overflow and numeric options

    @Test func sizesWhoseProductsOverflowAreRefusedWithTheirNumbers() throws {
        // The kernel tensor's count, 131072² · 1 · 2³⁰, passes 2⁶³; the window and the output fit.
        let kernel = try write(
            "input: [1, 1, 1]\nlayers:\n  - conv2d: {filters: 1073741824, kernel: 131072, padding: same}\n  - dense: 10\n",
            "kernel.yaml")
        // A kernel of 2³¹ − 1 with 'same' padding: its padded input passes 2³¹.
        let window = try write(
            "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 4, kernel: 2147483647, padding: same}\n  - dense: 10\n",
            "window.yaml")
        for command in ["check", "summary", "plan"] {
            let run = try nnc([command, kernel])
            #expect(
                run.status == 1 && run.stderr.contains("kernel.yaml:3:5: error:") && run.stderr.contains("[E0401]"),
                "\(command): \(run.stderr)")
            #expect(
                run.stderr.contains("parameter 'kernel' of 'conv2d' is [131072, 131072, 1, 1073741824]"),
                "\(run.stderr)")
            let wide = try nnc([command, window])
            #expect(
                wide.status == 1
                    && wide.stderr.contains("window.yaml:3:5: error: a window's extent must stay below 2³¹ cells"),
                "\(command): \(wide.stderr)")
        }
    }

    /// A 16384×16384 input at batch 32 holds 2³³ elements: more than the kernels' 32-bit sizes.
    @Test func plansTooLargeForTheKernelsAreRefusedBeforeRunning() throws {
        let model = try write("input: [16384, 16384]\nlayers:\n  - dense: 10\nloss: mse\n", "wide.yaml")
        let run = try nnc(["bench", model, "--seconds", "0.1"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "wide.yaml:1:8: error: a tensor of a compiled plan may hold at most 2,147,483,647 elements"))
        #expect(run.stderr.contains("'input' [32, 16384, 16384] holds 8,589,934,592 at batch 32"))
        #expect(run.stderr.contains("help: the largest batch whose tensors all fit is 7"))
    }

    /// Every numeric option is range-checked the same way in every command: a usage error
    /// naming the option, before any work.
    @Test(arguments: [
        ["eval", "m.yaml", "--threads", "0"], ["predict", "m.yaml", "--threads", "0"],
        ["train", "m.yaml", "--threads", "257"],
        ["bench", "m.yaml", "--threads", "0"], ["bench", "gemm", "--threads", "0"],
        ["bench", "peak", "--threads", "0"], ["bench", "peak", "--seconds", "nan"],
        ["bench", "planner", "--counts", "0"],
        ["train", "m.yaml", "--epochs", "0"], ["train", "m.yaml", "--batch-size", "0"],
        ["train", "m.yaml", "--epochs", "4294967296"],
        ["schedule", "m.yaml", "--steps-per-epoch", "0"],
        ["schedule", "m.yaml", "--steps-per-epoch", "9223372036854775807"],
        ["schedule", "m.yaml", "--epochs", "1000000"], ["schedule", "m.yaml", "--batch-size", "-1"],
        ["bench", "m.yaml", "--seconds", "nan"], ["bench", "m.yaml", "--seconds", "inf"],
        ["bench", "m.yaml", "--seconds", "0"],
        ["gradcheck", "m.yaml", "--step", "0"], ["gradcheck", "m.yaml", "--step", "nan"],
        ["gradcheck", "m.yaml", "--step", "inf"],
        ["gradcheck", "m.yaml", "--step", "-1e-5"], ["gradcheck", "m.yaml", "--tolerance", "nan"],
        ["gradcheck", "m.yaml", "--float-tolerance", "inf"], ["gradcheck", "m.yaml", "--per-tensor", "0"],
        ["summary", "m.yaml", "--batch", "0"], ["plan", "m.yaml", "--batch", "1000001"],
        ["predict", "m.yaml", "--limit", "-1"],
        ["puzzle", "--count", "0"],
    ])
    func numericOptionsOutOfRangeAreUsageErrors(_ arguments: [String]) throws {
        let run = try nnc(arguments)
        let option = arguments.last { $0.hasPrefix("--") }!
        #expect(run.status == 64, "\(arguments): \(run.status) \(run.stderr)")
        #expect(run.stderr.contains(option), "\(arguments): \(run.stderr)")
    }

    /// 2³¹ steps per epoch are accepted, and the schedule samples them instead of listing
    /// every rate (which once allocated 35 GB).
    @Test func scheduleOfHugeEpochsIsSampledInBoundedMemory() throws {
        let run = try nnc(
            ["schedule", "models/mnist_mlp.yaml", "--steps-per-epoch", "2147483648", "--epochs", "3"], memory: 1 << 30)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("over 3 epochs of 2,147,483,648 steps (6,442,450,944 steps)"), "\(run.stdout)")
    }

    // MARK: Budgets before work

    static let aliasBomb = """
        x-a: &a [dense, dense, dense, dense, dense, dense, dense, dense, dense]
        x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        x-f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        x-g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        x-h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        x-i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
        input: [4]
        layers: *i
        """

    /// Nine levels of nine aliases stand for 9⁹ nodes; as keys, Yams would hash them all.
    @Test(arguments: [
        ("bomb.yaml", aliasBomb),
        ("key-bomb.yaml", aliasBomb.replacingOccurrences(of: "layers: *i", with: "? *i\n: 1")),
    ])
    func aliasBombsAreRefusedBeforeTheyExpand(_ name: String, _ text: String) throws {
        let run = try nnc(["check", try write(text, name)], memory: 512 << 20)
        #expect(run.status == 1)
        #expect(
            run.stderr.contains("\(name):7:14: error: a model file may stand for at most 1,000,000 YAML nodes"),
            "\(run.stderr)")
    }

    /// Blocks that use blocks nine deep, nine times each, would decode 9⁹ layer items.
    @Test func blocksNestingBlocksAreRefusedBeforeTheyMultiply() throws {
        var text = "input: [4]\nblocks:\n  b0: {layers: [dense: 4]}\n"
        for level in 1...9 {
            text +=
                "  b\(level): {layers: [\(Array(repeating: "{block: b\(level - 1)}", count: 9).joined(separator: ", "))]}\n"
        }
        text += "layers:\n  - block: b9\n"
        let run = try nnc(["check", try write(text, "blocks.yaml")], memory: 512 << 20)
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "error: a model may have at most 100,000 layers after expanding repeats and blocks [E0401]"),
            "\(run.stderr)")
    }

    @Test func aMillionLayerRepeatIsRefusedBeforeExpanding() throws {
        let model = try write("input: [4]\nlayers:\n  - repeat: 1000000\n    layers: [dense: 4]\n", "million.yaml")
        let run = try nnc(["check", model], memory: 512 << 20)
        #expect(
            run.stderr.contains(
                "million.yaml:3:5: error: a model may have at most 100,000 layers after expanding repeats and blocks; this expands to 1,000,000 [E0401]"
            ),
            "\(run.stderr)")
    }

    /// An unknown name of a megabyte, and 50,000 unknown layers: the did-you-mean search
    /// and the printed diagnostics stay small.
    @Test func unknownNamesCostLittleAndPrintLittle() throws {
        let long = try write(
            "input: [4]\nlayers:\n  - " + String(repeating: "x", count: 1 << 20) + "\n", "long-name.yaml")
        let one = try nnc(["check", long])
        #expect(one.status == 1 && one.stderr.contains("[E0204]"))
        #expect(one.stderr.utf8.count < 10_000, "\(one.stderr.utf8.count) bytes of diagnostics")
        let many = try write(
            "input: [4]\nlayers:\n" + (0..<50_000).map { "  - foo\($0)\n" }.joined(), "many-names.yaml")
        let all = try nnc(["check", many])
        #expect(all.status == 1)
        #expect(
            all.stderr.contains(
                "note: 49,900 more diagnostics not shown (49,900 errors, 0 warnings); fix the ones above first"))
        #expect(all.stderr.hasSuffix("50000 errors, 0 warnings\n"), "\(all.stderr.suffix(300))")
        #expect(all.stderr.utf8.count < 200_000)
    }

    /// A 10 MB one-token file is one short diagnostic, and a file past 16 MiB is not read.
    @Test func hugeFilesGiveShortDiagnostics() throws {
        let token = try write(String(repeating: "a", count: 10 << 20), "token.yaml")
        let run = try nnc(["check", token])
        #expect(run.status == 1 && run.stderr.contains("[E0202]"), "\(run.stderr.prefix(500))")
        #expect(run.stderr.utf8.count < 10_000, "\(run.stderr.utf8.count) bytes of diagnostics")
        let huge = try write(String(repeating: "a", count: 17 << 20), "huge.yaml")
        let refused = try nnc(["check", huge])
        #expect(
            refused.status == 1
                && refused.stderr.contains("is 17,825,792 bytes; a model file may be at most 16,777,216 bytes"),
            "\(refused.stderr)")
    }

    /// Fifty dense layers of 32768 × 32768 hold 200 GiB of parameters (600 GiB with Adam's
    /// state): refused with the plan's size before any allocation, under a 2 GB limit that
    /// an allocation attempt would hit, by bench, gradcheck and train (on generated data).
    @Test func plansLargerThanMemoryAreRefusedBeforeAllocating() throws {
        let model = try write(
            "input: [16384, 2]\nlayers:\n  - flatten\n  - repeat: 50\n    layers: [dense: 32768]\n  - dense: 1\nloss: mse\n"
                + "optimizer: adam\ndata: {train: {generate: {adding: {length: 16384, samples: 4}}}}\n", "giant.yaml")
        let run = Self.directory.appendingPathComponent("giant-run").path
        for arguments in [
            ["bench", model, "--batch", "1", "--seconds", "0.1"], ["gradcheck", model, "--batch", "1"],
            ["train", model, "--out", run],
        ] {
            let run = try nnc(arguments)
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(
                run.stderr.contains("giant.yaml:1:8: error: a compiled plan must fit in the memory available;"),
                "\(run.stderr)")
            #expect(
                run.stderr.contains("[E0403]") && run.stderr.contains("help: even batch 1 needs more"), "\(run.stderr)")
        }
    }

    // MARK: Silent acceptance

    @Test func puzzlesFromAModelHonourTheCount() throws {
        let run = try nnc(["puzzle", "--from", "models/lenet5.yaml", "--count", "1", "--format", "json"])
        let puzzles = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [Any]
        #expect(puzzles?.count == 1, "\(run.stdout)")
        let all = try nnc(["puzzle", "--from", "models/lenet5.yaml", "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [Any])?.count == 4)
    }

    // MARK: What a model path is

    @Test func pathsThatAreNotModelFilesSayWhatTheyAre() throws {
        try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
        let fifo = Self.directory.appendingPathComponent("pipe.yaml").path
        unlink(fifo)
        #expect(mkfifo(fifo, 0o644) == 0)
        let loop = Self.directory.appendingPathComponent("loop.yaml").path
        let back = Self.directory.appendingPathComponent("back.yaml").path
        let dangling = Self.directory.appendingPathComponent("dangling.yaml").path
        for link in [loop, back, dangling] { unlink(link) }
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: back)
        try FileManager.default.createSymbolicLink(atPath: back, withDestinationPath: loop)
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "nowhere.yaml")
        for (path, says) in [
            (fifo, "is a named pipe (FIFO), not a model file"), ("/dev/zero", "is a character device"),
            ("/dev/null", "is a character device"), (loop, "is a symbolic link that loops"),
            (dangling, "is a symbolic link to 'nowhere.yaml', which does not exist"),
            (Self.directory.path, "is a directory"), ("no/such/model.yaml", "does not exist"),
        ] {
            let run = try nnc(["check", path])
            #expect(
                run.status == 1 && run.stderr.contains("[E0105]") && run.stderr.contains(says), "\(path): \(run.stderr)"
            )
        }
    }

    // MARK: Rough edges

    @Test func versionAndMistypedCommands() throws {
        let version = try nnc(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("0."), "\(version.stdout)")
        let typo = try nnc(["chek", "models/lenet5.yaml"])
        #expect(
            typo.status == 64 && typo.stderr.contains("unknown command 'chek'; did you mean 'check'?"), "\(typo.stderr)"
        )
    }

    @Test func unknownLayerKindsListTheKnownOnes() throws {
        let run = try nnc(["check", try write("input: [4]\nlayers:\n  - qqqqqq: 3\n", "unknown-kind.yaml")])
        #expect(run.stderr.contains("help: known layer kinds: dense, conv1d, conv2d"), "\(run.stderr)")
    }

    /// ArgumentParser appends "(default: X)" for options with a value; help text that states
    /// its own default must not get a second one.
    @Test func helpStatesEachDefaultOnce() throws {
        for command in [
            ["check"], ["summary"], ["train"], ["eval"], ["predict"], ["schedule"], ["plan"], ["gradcheck"], ["schema"],
            ["explain"], ["puzzle"], ["bench", "model"], ["bench", "gemm"], ["bench", "peak"], ["bench", "planner"],
        ] {
            let help = try nnc(command + ["--help"]).stdout
            // One option's help runs until the next line that starts an option.
            var options: [String] = []
            for line in help.split(separator: "\n") {
                if line.hasPrefix("  -") {
                    options.append(String(line))
                } else if !options.isEmpty {
                    options[options.count - 1] += String(line)
                }
            }
            for option in options {
                #expect(option.components(separatedBy: "(default").count <= 2, "\(command): \(option)")
            }
        }
    }

    @Test func countsOfOneAreSingular() throws {
        let run = try nnc(["check", try write("input: [4]\nlayers:\n  - dense: 1\n", "one.yaml")])
        #expect(run.stdout.contains(": one: 1 layer, 5 parameters"), "\(run.stdout)")
        let puzzle = try nnc([
            "puzzle", "--from",
            try write("input: [8, 8, 1]\nlayers:\n  - conv2d: {filters: 1, kernel: 3}\n", "one-filter.yaml"),
            "--answers",
        ])
        #expect(puzzle.stdout.contains("channels: 1 filter → 1"), "\(puzzle.stdout)")
    }
}
