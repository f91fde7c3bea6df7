import Foundation
import NNCKernels

/// Measures GEMM throughput on the shapes nnc's models use, for `nnc bench gemm`.
public enum GEMMBenchmark {
    public struct Shape: Sendable {
        public var name: String
        public var m: Int, n: Int, k: Int
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// (M×K)·(K×N): MLP layers at batch 128, LeNet-5's im2col products at batch 64, batch-1
    /// products, and the square 1024³ every BLAS is measured on.
    public static let shapes = [
        Shape(name: "mlp 128x784 . 784x128", m: 128, n: 128, k: 784),
        Shape(name: "mlp 128x500 . 500x500", m: 128, n: 500, k: 500),
        Shape(name: "784x128 . 128x500", m: 784, n: 500, k: 128),
        Shape(name: "lenet conv1 im2col 50176x25 . 25x6", m: 50_176, n: 6, k: 25),
        Shape(name: "lenet conv2 im2col 6400x150 . 150x16", m: 6_400, n: 16, k: 150),
        Shape(name: "batch-1 1x784 . 784x128", m: 1, n: 128, k: 784),
        Shape(name: "batch-1 1x500 . 500x500", m: 1, n: 500, k: 500),
        Shape(name: "square 1024x1024 . 1024x1024", m: 1024, n: 1024, k: 1024),
    ]

    public struct Result: Sendable {
        public var shape: Shape
        public var threads: Int
        /// Median seconds per multiply over `samples` timed batches.
        public var seconds: Double
        public var gflops: Double { shape.flops / seconds / 1e9 }
        /// Bytes of B (the weights) read per second: the bound of a matrix–vector product.
        public var weightGBps: Double { Double(shape.k * shape.n * 4) / seconds / 1e9 }
    }

    /// Times `shape`: warm-up, then `samples` batches of enough multiplies to last about
    /// 20 ms each; returns the median time per multiply.
    public static func run(_ shape: Shape, threads: Int, samples: Int = 9) -> Result {
        let a = [Float](repeating: 0.5, count: shape.m * shape.k).enumerated().map {
            Float($0.offset % 7) * 0.25 - $0.element
        }
        let b = [Float](repeating: 0.25, count: shape.k * shape.n).enumerated().map {
            Float($0.offset % 5) * 0.5 - $0.element
        }
        var c = [Float](repeating: 0, count: shape.m * shape.n)
        var work = [Float](
            repeating: 0, count: GEMM.workspaceFloats(m: shape.m, n: shape.n, k: shape.k, threads: threads))
        let pool = ThreadPool(threads: threads)
        func multiply(_ times: Int) {
            c.withUnsafeMutableBufferPointer { c in
                work.withUnsafeMutableBufferPointer { w in
                    for _ in 0..<times {
                        GEMM.multiply(
                            c: c.baseAddress!, ldc: shape.n, a: a, lda: shape.k, b: b, ldb: shape.n,
                            m: shape.m, n: shape.n, k: shape.k, pool: pool, workspace: w.baseAddress!)
                    }
                }
            }
        }
        multiply(3)
        let start = DispatchTime.now().uptimeNanoseconds
        multiply(3)
        let once = max(1e-7, Double(DispatchTime.now().uptimeNanoseconds - start) / 3e9)
        let repeats = max(1, Int(0.02 / once))
        var times: [Double] = []
        for _ in 0..<samples {
            let t0 = DispatchTime.now().uptimeNanoseconds
            multiply(repeats)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(repeats))
        }
        return Result(shape: shape, threads: threads, seconds: times.sorted()[times.count / 2])
    }
}
