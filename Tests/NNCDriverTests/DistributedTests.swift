import Foundation
import NNCRuntime
import Testing

/// `mpirun -np 2 nnc train`: data-parallel training over two ranks of Open MPI on this
/// machine. Skipped when mpirun is not installed (Scripts/test.sh installs it).
@Suite(.serialized, .enabled(if: MPI.available, "mpirun is not installed: apt-get install openmpi-bin libopenmpi3"))
struct DistributedTests {
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-mpi-\(getpid())")
    static let model = "models/iris_mlp.yaml"

    func folder(_ name: String) -> String {
        let path = Self.directory.appendingPathComponent(name).path
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    static func weights(_ folder: String) throws -> [String: [Float]] {
        let file = try SafeTensors(contentsOf: folder + "/weights.safetensors")
        return Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0.values) })
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Two ranks give the same weights on every rank (checked by hash at the end of the run)
    /// and across reruns, bit for bit; one thread per rank; the result agrees with one
    /// process at the same global batch to 1e-4 (the order of the gradient sums differs).
    @Test func twoRanksAreDeterministicAndAgreeWithOneProcess() throws {
        let first = folder("first")
        let second = folder("second")
        let single = folder("single")
        for out in [first, second] {
            let run = try MPI.run(2, ["train", Self.model, "--epochs", "3", "--out", out])
            #expect(run.status == 0, "\(run.stderr)")
            // Rank 0 alone prints: the note once, the curves once.
            let printed = run.stdout + run.stderr
            #expect(
                printed.components(separatedBy: "data-parallel over 2 ranks: each batch of 16 split 8/8").count == 2,
                "\(printed)")
            #expect(printed.components(separatedBy: "weights: ").count == 2, "\(printed)")
        }
        let a = try #require(Self.bytes(first + "/weights.safetensors"))
        #expect(a == Self.bytes(second + "/weights.safetensors"))
        // Each element is summed in rank order whatever the buckets: small buckets, same bits.
        let bucketed = folder("bucketed")
        let small = try MPI.run(
            2,
            [
                "train", Self.model, "--epochs", "3", "--out", bucketed, "--mpi-bucket-bytes", "64", "--quiet",
                "--mpi-report",
            ])
        #expect(small.status == 0, "\(small.stderr)")
        for rank in 0..<2 {
            #expect(small.stderr.contains("mpi rank \(rank) of 2: 18 steps, "), "\(small.stderr)")
        }
        #expect(a == Self.bytes(bucketed + "/weights.safetensors"))
        let alone = try Binary.run(["train", Self.model, "--epochs", "3", "--threads", "1", "--out", single, "--quiet"])
        #expect(alone.status == 0, "\(alone.stderr)")
        let distributed = try Self.weights(first)
        let reference = try Self.weights(single)
        #expect(distributed.keys == reference.keys)
        for (name, values) in reference {
            let other = try #require(distributed[name])
            let worst = zip(values, other).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4, "\(name) differs by \(worst)")
        }
        let checkpoint = try SafeTensors(contentsOf: first + "/checkpoint.safetensors")
        #expect(checkpoint.metadata["nnc.ranks"] == "2")
        #expect(checkpoint.metadata["nnc.overrides"]?.contains("\"threads\":1") == true)
    }

    /// Resuming under the same number of ranks continues bit for bit; under another, it is refused.
    @Test func resumeIsExactUnderTheSameRanksAndRefusedUnderOthers() throws {
        let straight = folder("straight")
        let resumed = folder("resumed")
        #expect(try MPI.run(2, ["train", Self.model, "--epochs", "4", "--out", straight]).status == 0)
        #expect(try MPI.run(2, ["train", Self.model, "--epochs", "2", "--out", resumed]).status == 0)
        let again = try MPI.run(2, ["train", "--resume", resumed, "--epochs", "4"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Self.bytes(straight + "/weights.safetensors") == Self.bytes(resumed + "/weights.safetensors"))
        let alone = try Binary.run(["train", "--resume", resumed, "--epochs", "5", "--quiet"])
        #expect(alone.status == 1)
        #expect(alone.stderr.contains("[E0704]") && alone.stderr.contains("written by 2 ranks, this run has 1"))
    }

    /// `mpirun -np 2 nnc tune`: the trials spread over the ranks, rank 0 gathers them and
    /// ranks them as one process ranks the same search (one thread each).
    @Test func tuneSpreadsTrialsOverRanks() throws {
        let spread = folder("tune-ranks")
        let alone = folder("tune-alone")
        let spec = "models/search/iris_mlp.yaml"
        let ranks = try MPI.run(2, ["tune", spec, "--trials", "4", "--epochs", "2", "-o", spread])
        #expect(ranks.status == 0, "\(ranks.stderr)")
        let single = try Binary.run(["tune", spec, "--trials", "4", "--epochs", "2", "--threads", "1", "-o", alone])
        #expect(single.status == 0, "\(single.stderr)")
        #expect(ranks.stdout.replacingOccurrences(of: spread, with: alone) == single.stdout)
        #expect(ranks.stdout.components(separatedBy: "  finished").count == 5, "\(ranks.stdout)")
    }

    /// `nnc bench allreduce`: one row per size from 4 bytes, by 4×, up to --max-bytes.
    @Test func allReduceBenchmarkReportsEverySize() throws {
        let run = try MPI.run(
            2, ["bench", "allreduce", "--max-bytes", "64", "--repetitions", "2", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        let sizes = try #require(report["sizes"] as? [[String: Double]])
        #expect(sizes.map { $0["bytes"] } == [4, 16, 64])
    }

    /// A batch that leaves a rank without samples, and ranks that disagree, are refused at start.
    @Test func badLaunchesAreRefused() throws {
        let small = try MPI.run(
            2, ["train", Self.model, "--epochs", "1", "--batch-size", "1", "--out", folder("small")])
        #expect(small.status != 0)
        #expect(small.stderr.contains("[E0701]"), "\(small.stderr)")
        let out = folder("disagree")
        let mixed = try MPI.run(
            arguments: [
                "-np", "1", Binary.path, "train", Self.model, "--out", out, "--seed", "1", ":",
                "-np", "1", Binary.path, "train", Self.model, "--out", out, "--seed", "2",
            ])
        #expect(mixed.status != 0)
        #expect(
            mixed.stderr.contains("[E0702]")
                && mixed.stderr.contains("rank 1's training data, weights and optimizer state differ"),
            "\(mixed.stderr)")
    }
}

/// `nnc plan --ranks N`: one rank's training step with every update after backward, and
/// where each gradient all-reduce starts and is waited for (no MPI needed).
@Suite struct DistributedPlanTests {
    @Test func planShowsWhereEachAllReduceStartsAndIsWaitedFor() throws {
        let run = try Binary.run([
            "plan", DistributedTests.model, "--batch", "16", "--ranks", "2", "--mpi-bucket-bytes", "64",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("training step (forward, loss, backward, updates), batch 8"))
        #expect(
            run.stdout.contains(
                """
                Gradient all-reduces over 2 ranks (3 buckets of at least 64 bytes, 524 bytes in all; each rank's plan is compiled for its share, 8 samples here):
                  all-reduce 1: 192 bytes: ∂dense_1.kernel
                      starts after instruction 3 (gemm dW=xᵀ·dy +db [dense_1])
                      waited for before instruction 7 (adam update [dense_1])
                """), "\(run.stdout)")
        // Every update follows the whole backward pass, so the all-reduces overlap it.
        let phases = run.stdout.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            return words.count > 2 && Int(words[0]) != nil ? String(words[1]) : nil
        }
        let firstUpdate = try #require(phases.firstIndex(of: "update"))
        #expect(!phases[firstUpdate...].contains("backward"), "\(phases)")
        let refused = try Binary.run(["plan", DistributedTests.model, "--batch", "2", "--ranks", "4"])
        #expect(refused.status == 64)
    }
}

/// Launching `nnc` under Open MPI's mpirun.
enum MPI {
    static let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static var available: Bool { mpirun != nil }

    /// `mpirun -np N nnc ARGUMENTS` on this machine (as root too, more ranks than cores allowed),
    /// stopped after `seconds`.
    static func run(_ ranks: Int, _ arguments: [String], seconds: Double = 60) throws -> Binary.Run {
        try run(arguments: ["-np", String(ranks), Binary.path] + arguments, seconds: seconds)
    }

    /// mpirun with `arguments`; with `namespace`, started inside that network namespace.
    static func run(arguments: [String], seconds: Double = 60, namespace: String? = nil) throws -> Binary.Run {
        let process = Process()
        let options = ["--oversubscribe", "--allow-run-as-root", "--bind-to", "none"] + arguments
        if let namespace {
            process.executableURL = URL(fileURLWithPath: NetworkNamespaces.ip!)
            process.arguments = ["netns", "exec", namespace, mpirun!] + options
        } else {
            process.executableURL = URL(fileURLWithPath: mpirun!)
            process.arguments = options
        }
        process.currentDirectoryURL = Repo.root
        return try Binary.finish(process, seconds: seconds)
    }
}

/// Faults under mpirun: a rank that stops answering makes the other exit with E0703 within
/// `--mpi-timeout`, and one that dies makes mpirun end the job naming it; either way the run
/// folder's last checkpoint stays whole and a resume continues.
@Suite(.serialized, .enabled(if: MPI.available, "mpirun is not installed: apt-get install openmpi-bin libopenmpi3"))
struct DistributedFaultTests {
    @Test func aStoppedRankIsReportedWithinTheTimeout() throws {
        let run = try LongRun(name: "stopped")
        defer { run.end() }
        kill(run.rank1, SIGSTOP)
        let (stderr, seconds) = run.finish()
        #expect(run.process.terminationStatus != 0)
        #expect(stderr.contains("[E0703]") && stderr.contains("no answer from rank 1 within 3 s"), "\(stderr)")
        #expect(seconds < 20, "the run took \(seconds) s to end after rank 1 stopped")
        try run.resumeContinues()
    }

    /// A rank killed outright: mpirun ends the job and names the rank, well within the
    /// timeout; the checkpoint is whole and a resume continues.
    @Test func aKilledRankEndsTheJobAndNamesIt() throws {
        let run = try LongRun(name: "killed")
        defer { run.end() }
        kill(run.rank1, SIGKILL)
        let (stderr, seconds) = run.finish()
        #expect(run.process.terminationStatus != 0)
        #expect(stderr.contains("rank 1") && stderr.contains("signal 9"), "\(stderr)")
        #expect(seconds < 20, "the run took \(seconds) s to end after rank 1 was killed")
        try run.resumeContinues()
    }

    /// A 2-rank run of many epochs with a 3 s timeout, past its first checkpoint, and rank 1's process.
    struct LongRun {
        let out: String
        let process = Process()
        let err = Pipe()
        let rank1: pid_t
        var checkpoint: String { out + "/checkpoint.safetensors" }

        init(name: String) throws {
            out = DistributedTests.directory.appendingPathComponent(name).path
            try? FileManager.default.removeItem(atPath: out)
            process.executableURL = URL(fileURLWithPath: MPI.mpirun!)
            process.arguments = [
                "--oversubscribe", "--allow-run-as-root", "--bind-to", "none", "-np", "2", Binary.path, "train",
                DistributedTests.model, "--epochs", "100000", "--out", out, "--mpi-timeout", "3",
            ]
            process.currentDirectoryURL = Repo.root
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // Once rank 0 has written a checkpoint, training runs.
            var waited = 0.0
            while !FileManager.default.fileExists(atPath: out + "/checkpoint.safetensors") && waited < 30 {
                Thread.sleep(forTimeInterval: 0.05)
                waited += 0.05
            }
            guard let rank = MPI.rankProcess(1, of: process.processIdentifier) else {
                kill(process.processIdentifier, SIGKILL)
                throw DistributedTestError("rank 1's process was not found")
            }
            rank1 = rank
        }

        /// The job's stderr and the seconds it took to end from now.
        func finish() -> (String, Double) {
            let from = Date()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (stderr, Date().timeIntervalSince(from))
        }

        func end() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            kill(rank1, SIGKILL)
        }

        /// The checkpoint is whole, and a resume under two ranks continues from it.
        func resumeContinues() throws {
            kill(rank1, SIGKILL)
            let file = try SafeTensors(contentsOf: checkpoint)
            let state = try #require(file.metadata["nnc.state"])
            let epoch = try #require(
                (try JSONSerialization.jsonObject(with: Data(state.utf8)) as? [String: Any])?["epoch"] as? Int)
            let resumed = try MPI.run(2, ["train", "--resume", out, "--epochs", String(epoch + 2)])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect((resumed.stdout + resumed.stderr).contains("resuming from"))
        }
    }
}

struct DistributedTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension MPI {
    /// The process of rank `rank` among mpirun's children (its environment names the rank).
    static func rankProcess(_ rank: Int, of mpirun: pid_t) -> pid_t? {
        let children = (try? String(contentsOfFile: "/proc/\(mpirun)/task/\(mpirun)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ pid_t($0) }) {
            guard let environment = FileManager.default.contents(atPath: "/proc/\(child)/environ") else { continue }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return child }
        }
        return nil
    }
}

/// Two test hosts on this machine: network namespaces joined by a veth pair, rank 0 in one
/// and rank 1 in the other (mpirun's remote shell replaced by `ip netns exec`), MPI over TCP
/// on the veth link only. Skipped when namespaces cannot be made (no root, no iproute2).
@Suite(
    .serialized,
    .enabled(if: MPI.available, "mpirun is not installed: apt-get install openmpi-bin libopenmpi3"),
    .enabled(if: NetworkNamespaces.available, "network namespaces cannot be created here (needs root and iproute2)"))
struct DistributedNetworkTests {
    @Test func twoHostsOverAVethPairTrainAsOneMachineDoes() throws {
        let hosts = try NetworkNamespaces.pair()
        defer { hosts.remove() }
        let local = DistributedTests.directory.appendingPathComponent("loopback").path
        let remote = DistributedTests.directory.appendingPathComponent("veth").path
        for path in [local, remote] { try? FileManager.default.removeItem(atPath: path) }
        let arguments = ["train", DistributedTests.model, "--epochs", "3", "--quiet"]
        #expect(try MPI.run(2, arguments + ["--out", local]).status == 0)
        let run = try MPI.run(
            arguments: [
                "--hostfile", hosts.hostfile, "-np", "2", "--mca", "plm_rsh_agent", hosts.agent,
                "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", hosts.subnet,
                "--mca", "oob_tcp_if_include", hosts.subnet, Binary.path,
            ] + arguments + ["--out", remote], namespace: hosts.first)
        #expect(run.status == 0, "\(run.stderr)")
        // The same sums in the same order over TCP between hosts as over shared memory.
        let a = try #require(FileManager.default.contents(atPath: local + "/weights.safetensors"))
        #expect(a == FileManager.default.contents(atPath: remote + "/weights.safetensors"))
    }
}

/// Network namespaces for the two-host test.
enum NetworkNamespaces {
    static let ip: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether a namespace can be made and removed here.
    static let available: Bool = {
        guard ip != nil else { return false }
        let name = "nnc-probe-\(getpid())"
        defer { _ = command(["netns", "del", name]) }
        return command(["netns", "add", name])
    }()

    @discardableResult
    static func command(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip!)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    struct Pair {
        var first: String
        var second: String
        var subnet: String
        var hostfile: String
        var agent: String

        func remove() {
            NetworkNamespaces.command(["netns", "del", first])
            NetworkNamespaces.command(["netns", "del", second])
        }
    }

    /// Two namespaces, 10.77.0.1 and 10.77.0.2 on a veth pair, a hostfile naming them and the
    /// remote-shell script mpirun uses to start the second host's daemon in its namespace.
    static func pair() throws -> Pair {
        let id = getpid() % 100_000
        let (a, b) = ("nnc-a-\(id)", "nnc-b-\(id)")
        let (va, vb) = ("nva\(id)", "nvb\(id)")
        let steps: [[String]] = [
            ["netns", "add", a], ["netns", "add", b], ["link", "add", va, "type", "veth", "peer", "name", vb],
            ["link", "set", va, "netns", a], ["link", "set", vb, "netns", b],
            ["netns", "exec", a, ip!, "addr", "add", "10.77.0.1/24", "dev", va],
            ["netns", "exec", b, ip!, "addr", "add", "10.77.0.2/24", "dev", vb],
            ["netns", "exec", a, ip!, "link", "set", "lo", "up"], ["netns", "exec", b, ip!, "link", "set", "lo", "up"],
            ["netns", "exec", a, ip!, "link", "set", va, "up"], ["netns", "exec", b, ip!, "link", "set", vb, "up"],
        ]
        let folder = DistributedTests.directory.appendingPathComponent("hosts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pair = Pair(
            first: a, second: b, subnet: "10.77.0.0/24", hostfile: folder.appendingPathComponent("hostfile").path,
            agent: folder.appendingPathComponent("netns-shell").path)
        for step in steps where !command(step) {
            pair.remove()
            throw NamespaceError(message: "ip \(step.joined(separator: " ")) failed")
        }
        try "10.77.0.1 slots=1\n10.77.0.2 slots=1\n".write(toFile: pair.hostfile, atomically: true, encoding: .utf8)
        // mpirun calls its remote shell as `AGENT HOST COMMAND…`, as it would call ssh.
        try "#!/bin/sh\nshift\nexec \(ip!) netns exec \(b) /bin/sh -c \"$*\"\n".write(
            toFile: pair.agent, atomically: true, encoding: .utf8)
        chmod(pair.agent, 0o755)
        return pair
    }

    struct NamespaceError: Error { var message: String }
}
