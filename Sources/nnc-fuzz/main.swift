// nnc-fuzz TARGET [libFuzzer options] [CORPUS...]
//
// Linked with libFuzzer's runtime (Scripts/fuzz.sh, through Scripts/asan-build.sh; or built with
// `-sanitize=fuzzer`), it runs libFuzzer on the target: `yaml`, `dsl`, `data` or `weights`
// (FuzzTarget). In an ordinary build it replays the given files and folders through the
// target, so a corpus is also a regression run:
//   swift run -c release nnc-fuzz yaml Tests/Fuzz/corpus/yaml
// `nnc-fuzz data --write-seeds DIR` writes the data target's valid seeds.
import CNNCFuzz
import Foundation
import NNCFuzz

var arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    FileHandle.standardError.write(
        Data(
            "usage: nnc-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) [libFuzzer options] [corpus files or folders...]\n"
                .utf8))
    exit(64)
}

/// The target libFuzzer's callback runs (a C function pointer cannot capture it).
nonisolated(unsafe) var selected = target

/// libFuzzer's entry point. Defined under its C name too: the fuzzer runtime's own main,
/// linked in whole, refers to it (this program's main runs instead and passes it along).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

let callback: nnc_fuzz_callback = { data, size in fuzzOneInput(data, size) }

// libFuzzer reads its own options and corpus folders from the rest of the line.
arguments.remove(at: 1)
target.warmUp()
var argc = Int32(arguments.count)
var cStrings: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv = buffer.baseAddress
    return nnc_fuzz_run_driver(&argc, &argv, callback)
}
if status != -1 { exit(status) }

// An ordinary build: replay.
if arguments.count >= 3, arguments[1] == "--write-seeds" {
    guard target == .data else {
        print("only the data target has generated seeds")
        exit(64)
    }
    let folder = arguments[2]
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (name, bytes) in FuzzTarget.dataSeeds() {
        _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(bytes))
    }
    exit(0)
}
var replayed = 0
for path in arguments.dropFirst() where !path.hasPrefix("-") {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        print("nnc-fuzz: no such file or folder: \(path)")
        exit(1)
    }
    let files =
        isDirectory.boolValue
        ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
        : [path]
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        target.run(Array(data))
        replayed += 1
    }
}
print("nnc-fuzz \(target.rawValue): replayed \(replayed) input\(replayed == 1 ? "" : "s") without a crash")
