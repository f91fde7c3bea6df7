import Foundation

/// python3, for the tests that check nnc's files with the readers people use (ONNX Runtime,
/// TensorBoard's event reader, a JSON Schema validator): Scripts/test.sh installs their packages.
enum Python {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `python3 arguments…` to its end.
    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        // stderr goes to a file, so a full pipe cannot stall the process while stdout is read.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-python-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorPath) }
        let errorFile = try FileHandle(forWritingTo: errorPath)
        process.standardOutput = out
        process.standardError = errorFile
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorFile.close()
        let stderr = (try? Data(contentsOf: errorPath)) ?? Data()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}
