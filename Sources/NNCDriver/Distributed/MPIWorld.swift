import CNNCMPI
import Foundation
import NNCSpec

/// The ranks of a run launched by Open MPI's `mpirun`, and the exchanges nnc makes between
/// them. Every exchange is point-to-point messages completed by polling (CNNCMPI), with a
/// fixed order for every sum and a watchdog: a peer that does not answer within `timeout`
/// seconds is an error (E0703), never a hang.
public final class MPIWorld: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Seconds any exchange waits for a peer (`--mpi-timeout`).
    public let timeout: Double
    /// The size at which a gradient bucket is closed and sent (`--mpi-bucket-bytes`).
    public let bucketBytes: Int
    /// Where errors are located: the model file.
    let location: SourceLocation
    /// The all-reduce's receive area, grown once to the largest buffer reduced.
    private var scratch: UnsafeMutablePointer<Float>
    private var scratchCount = 0
    /// Each rank's weight in the current step's average (its share of the global batch).
    let weights: UnsafeMutablePointer<Float>
    /// The all-reduce's error message, written only on failure (a step allocates nothing).
    private let errorText: UnsafeMutablePointer<CChar>
    private static let errorSize = 512

    public static let defaultTimeout = 120.0

    /// The size of the world `mpirun` started this process in, from its environment
    /// (OMPI_COMM_WORLD_SIZE); nil when not launched by mpirun or launched alone.
    public static var launchedSize: Int? {
        let environment = ProcessInfo.processInfo.environment
        guard let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init), size > 1 else { return nil }
        return size
    }

    /// Initializes MPI when launched by mpirun with more than one rank; nil otherwise (the
    /// run is exactly a single process's).
    public static func start(timeout: Double, bucketBytes: Int, at location: SourceLocation) throws(TrainingFailure)
        -> MPIWorld?
    {
        guard launchedSize != nil else { return nil }
        var rank: Int32 = 0
        var size: Int32 = 0
        var error = [CChar](repeating: 0, count: 512)
        guard nnc_mpi_init(&rank, &size, &error, error.count) == 0 else {
            throw TrainingFailure([
                Diagnostic.error(
                    .mpiUnavailable,
                    "a run launched by mpirun needs Open MPI 4's library; \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))",
                    at: location,
                    help: "install it (apt-get install openmpi-bin libopenmpi3), or run nnc without mpirun")
            ])
        }
        return MPIWorld(
            rank: Int(rank), size: Int(size), timeout: timeout, bucketBytes: bucketBytes, location: location)
    }

    init(rank: Int, size: Int, timeout: Double, bucketBytes: Int, location: SourceLocation) {
        self.rank = rank
        self.size = size
        self.timeout = timeout
        self.bucketBytes = bucketBytes
        self.location = location
        scratch = .allocate(capacity: 1)
        weights = .allocate(capacity: size)
        weights.initialize(repeating: 0, count: size)
        errorText = .allocate(capacity: Self.errorSize)
        errorText.initialize(repeating: 0, count: Self.errorSize)
    }

    deinit {
        scratch.deallocate()
        weights.deallocate()
        errorText.deallocate()
    }

    /// Every rank's `mine` (the same count on each), in rank order.
    public func allGather(_ mine: [Double]) throws(TrainingFailure) -> [[Double]] {
        var all = [Double](repeating: 0, count: mine.count * size)
        var error = [CChar](repeating: 0, count: 512)
        let status = mine.withUnsafeBytes { bytes in
            all.withUnsafeMutableBytes { out in
                nnc_mpi_allgather(bytes.baseAddress, bytes.count, out.baseAddress, timeout, &error, error.count)
            }
        }
        guard status == 0 else { throw unresponsive(error) }
        return (0..<size).map { Array(all[$0 * mine.count..<($0 + 1) * mine.count]) }
    }

    /// Every rank's bytes (of any length), in rank order: lengths first, then the bytes
    /// padded to the longest.
    public func exchange(_ mine: Data) throws(TrainingFailure) -> [Data] {
        let lengths = try allGather([Double(mine.count)]).map { Int($0[0]) }
        let words = ((lengths.max() ?? 0) + 7) / 8
        var padded = [Double](repeating: 0, count: words)
        padded.withUnsafeMutableBytes { out in mine.copyBytes(to: out.bindMemory(to: UInt8.self), count: mine.count) }
        let all = try allGather(padded)
        return all.enumerated().map { rank, words in
            words.withUnsafeBytes { Data($0.prefix(lengths[rank])) }
        }
    }

    /// Makes room for all-reducing buffers of up to `count` floats (done once, before the first step).
    func reserve(floats count: Int) {
        let needed = size * ((count + size - 1) / size)
        guard needed > scratchCount else { return }
        scratch.deallocate()
        scratch = .allocate(capacity: needed)
        scratchCount = needed
    }

    /// Sets each rank's weight in the next averages: its samples over the global batch's.
    func setShares(_ samples: (Int) -> Int, of total: Int) {
        for r in 0..<size { weights[r] = Float(samples(r)) / Float(total) }
    }

    /// Replaces `count` floats at `data` with their average over the ranks, weighted by the
    /// shares, summed in rank order: the same bits on every rank.
    /// Nil on success, else the message.
    func allReduce(_ data: UnsafeMutablePointer<Float>, count: Int) -> [CChar]? {
        let status = nnc_mpi_allreduce_weighted(data, count, weights, scratch, timeout, errorText, Self.errorSize)
        return status == 0 ? nil : Array(UnsafeBufferPointer(start: errorText, count: Self.errorSize))
    }

    /// E0703 with the C side's message.
    func unresponsive(_ error: [CChar]) -> TrainingFailure {
        let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return TrainingFailure([
            Diagnostic.error(
                .rankUnresponsive, "every rank must answer within --mpi-timeout; \(message)", at: location,
                help:
                    "the rank named died, was stopped or is far slower; resume from the last checkpoint with the same number of ranks (--resume), or raise --mpi-timeout"
            )
        ])
    }

    /// `nnc bench allreduce`: seconds of each of `repetitions` all-reduces of `floats` floats
    /// (equal shares), after one untimed warm-up; an all-gather lines the ranks up first.
    public func timeAllReduce(floats: Int, repetitions: Int) throws(TrainingFailure) -> [Double] {
        reserve(floats: floats)
        setShares({ _ in 1 }, of: size)
        let data = UnsafeMutablePointer<Float>.allocate(capacity: max(1, floats))
        defer { data.deallocate() }
        data.initialize(repeating: 1, count: max(1, floats))
        _ = try allGather([0])
        var times: [Double] = []
        for repetition in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            if let error = allReduce(data, count: floats) { throw unresponsive(error) }
            if repetition > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        return times
    }

    /// Ends MPI after a run that finished on every rank.
    public func finish() { nnc_mpi_finalize() }
}
