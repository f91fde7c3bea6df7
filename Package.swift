// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "nnc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nnc", targets: ["nnc"])
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .target(name: "NNCDiagnostics"),
        .target(name: "NNCSpec", dependencies: ["NNCDiagnostics", .product(name: "Yams", package: "Yams")]),
        .target(name: "NNCGraph", dependencies: ["NNCDiagnostics", "NNCSpec"]),
        // Lowering to an execution plan over one arena: autodiff, fusion, liveness, memory planners.
        .target(name: "NNCPlan", dependencies: ["NNCDiagnostics", "NNCGraph"]),
        // CPU kernels in C (AVX2/FMA chosen at run time, portable fallback) and their Swift face.
        .target(name: "CNNCKernels"),
        .target(name: "NNCKernels", dependencies: ["CNNCKernels"]),
        // The arena, the executor that runs a plan with the fast kernels, and its double-precision reference twin.
        .target(
            name: "NNCRuntime", dependencies: ["NNCDiagnostics", "NNCGraph", "NNCPlan", "NNCKernels", "CNNCKernels"]),
        // System zlib (gzip-compressed data files), through a module map.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Data set readers (IDX, CSV, NPY, token and text sequences, generated tasks), preprocessing, splits, batching.
        // PNG decoding with the system's libpng, loaded at run time (dlopen): not needed to build.
        .target(name: "CNNCImage", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "NNCData", dependencies: ["NNCDiagnostics", "CZlib", "CNNCImage"]),
        // Open MPI for data-parallel training under mpirun, loaded at run time (dlopen): not needed to build.
        .target(name: "CNNCMPI", linkerSettings: [.linkedLibrary("dl")]),
        // HDF5 (Keras's .weights.h5 files), loaded at run time (dlopen): not needed to build.
        .target(name: "CNNCHDF5", linkerSettings: [.linkedLibrary("dl")]),
        // Protocol-buffer messages of the formats nnc writes (ONNX models, TensorBoard event files),
        // generated once from their schemas by Scripts/generate-protos.sh and committed.
        .target(name: "NNCProtobuf", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(
            name: "NNCDriver",
            dependencies: [
                "NNCDiagnostics", "NNCSpec", "NNCGraph", "NNCPlan", "NNCKernels", "NNCRuntime", "NNCData",
                "NNCProtobuf", "CNNCImage", "CNNCMPI", "CNNCHDF5",
            ]),
        .executableTarget(
            name: "nnc",
            dependencies: [
                "NNCDriver", "NNCData", "NNCSpec", "NNCGraph", "NNCPlan", "NNCKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ], plugins: ["GitRevision"]),
        // `nnc --version` names the commit it was built from: the plugin runs the tool, which
        // reads the checkout's .git files (no git program needed; nil outside a checkout).
        .plugin(name: "GitRevision", capability: .buildTool(), dependencies: ["GitRevisionTool"]),
        .executableTarget(name: "GitRevisionTool", path: "Plugins/GitRevisionTool"),
        // What the test targets share: the repository's paths, golden files, a seeded generator.
        .target(
            name: "NNCTestSupport", dependencies: ["NNCRuntime", "CAllocationCounter"], path: "Tests/NNCTestSupport"),
        // Fuzz targets (spec loader, data readers, weights and checkpoints) and `nnc-fuzz`, which runs
        // them under libFuzzer when built with -sanitize=fuzzer (Scripts/fuzz.sh) and otherwise replays a corpus.
        .target(
            name: "NNCFuzz",
            dependencies: ["NNCDiagnostics", "NNCSpec", "NNCGraph", "NNCPlan", "NNCRuntime", "NNCData", "NNCDriver"]),
        .target(name: "CNNCFuzz"),
        .executableTarget(name: "nnc-fuzz", dependencies: ["NNCFuzz", "CNNCFuzz"]),
        .testTarget(name: "NNCSpecTests", dependencies: ["NNCDiagnostics", "NNCSpec"]),
        .testTarget(name: "NNCGraphTests", dependencies: ["NNCGraph", "NNCSpec", "NNCTestSupport"]),
        .testTarget(
            name: "NNCKernelsTests",
            dependencies: ["NNCKernels", "CNNCKernels", "NNCGraph", "NNCPlan", "NNCRuntime", "NNCTestSupport"]),
        .testTarget(
            name: "NNCDataTests", dependencies: ["NNCData", "NNCDiagnostics", "NNCTestSupport", "CAllocationCounter"]),
        .testTarget(
            name: "NNCPlanTests", dependencies: ["NNCPlan", "NNCGraph", "NNCSpec", "NNCDiagnostics", "NNCTestSupport"]),
        .testTarget(
            name: "NNCRuntimeTests",
            dependencies: [
                "NNCRuntime", "NNCKernels", "NNCDriver", "NNCSpec", "NNCGraph", "NNCPlan",
                "NNCTestSupport", "CAllocationCounter",
            ]),
        // Counts heap allocations (malloc interposed in the test process) for the zero-allocation test.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        // Depends on the executable so `swift test` builds the `nnc` binary the end-to-end tests run.
        .testTarget(
            name: "NNCDriverTests",
            dependencies: [
                "NNCDriver", "NNCSpec", "NNCGraph", "NNCPlan", "NNCRuntime", "NNCData",
                "NNCFuzz", "NNCTestSupport", "nnc", "CZlib",
            ]),
    ]
)

// The sanitizer build (Scripts/asan-build.sh sets NNC_SANITIZE=1): nnc's own Swift modules with
// AddressSanitizer and libFuzzer's coverage, the packages it uses built plain. ASan still checks
// every access nnc's code makes, into their memory too, and the fuzzer steers by nnc's branches;
// instrumenting swift-protobuf, Yams and ArgumentParser too (more Swift than nnc itself) took
// a fresh build of the tests 563 s against 413 s without (one run each, this 2-core machine).
if Context.environment["NNC_SANITIZE"] == "1" {
    let instrument: [SwiftSetting] = [
        .unsafeFlags(["-sanitize=address", "-sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp"])
    ]
    // The GitRevision plugin's tool runs during the build, outside any test.
    let plain: Set<String> = ["GitRevisionTool"]
    for target in package.targets where target.type != .plugin && target.type != .system && !plain.contains(target.name)
    {
        target.swiftSettings = (target.swiftSettings ?? []) + instrument
        target.linkerSettings = (target.linkerSettings ?? []) + [.unsafeFlags(["-sanitize=address"])]
    }
}
