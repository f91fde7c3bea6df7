import Foundation
import NNCDriver
import NNCTestSupport
import Testing

/// Paths of the repository, found from this file so tests run from any directory.
enum Repo {
    static let root = Repository.root
    static let models = root.appendingPathComponent("models")

    /// Every model file in models/ (YAML and DSL), sorted.
    static var modelFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".nn") }.sorted()
    }
}

/// Runs the built `nnc` binary as a user would.
enum Binary {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when `run(_:seconds:memory:)` had to stop the process.
        var timedOut = false
    }

    /// The `nnc` executable next to the test bundle (SwiftPM builds it because this test
    /// target depends on it).
    static let path: String = {
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for directory in candidates {
            let nnc = directory.appendingPathComponent("nnc").path
            if FileManager.default.isExecutableFile(atPath: nnc) { return nnc }
        }
        return Repo.root.appendingPathComponent(".build/debug/nnc").path
    }()

    static func run(_ arguments: [String], stdin: String? = nil, in directory: URL = Repo.root) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting so a large output cannot block the child.
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

extension Binary {
    /// Runs `nnc` as `run` does, but stops it after `seconds` (`timedOut` is then true) and,
    /// with `memory`, under an address-space limit of that many bytes (`ulimit -v`), so a
    /// hang or a runaway allocation from hostile input fails the test, not the machine.
    static func run(_ arguments: [String], seconds: Double, memory: Int? = nil, in directory: URL = Repo.root) throws
        -> Run
    {
        let process = Process()
        // Not under AddressSanitizer (Scripts/test-asan.sh), which reserves terabytes of address
        // space for its shadow memory at start: the ordinary run checks the memory bound.
        if let memory, ProcessInfo.processInfo.environment["NNC_ASAN"] == nil {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -v \(memory / 1024); exec \"$0\" \"$@\"", path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        return try finish(process, seconds: seconds)
    }

    /// Runs a configured process without color and stdin, reading its output, and kills it
    /// after `seconds` (`timedOut` is then true).
    static func finish(_ process: Process, seconds: Double) throws -> Run {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stopped = Stopped()
        let deadline = DispatchWorkItem {
            guard process.isRunning else { return }
            stopped.mark()
            kill(process.processIdentifier, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: deadline)
        // Read both pipes (concurrently) before waiting so a large output cannot block the child.
        let stderrData = Output()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { stderrData.data = err.fileHandleForReading.readDataToEndOfFile() }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        deadline.cancel()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData.data, as: UTF8.self), timedOut: stopped.value)
    }

    /// What the reading thread read (read after the group is waited for).
    final class Output: @unchecked Sendable { var data = Data() }

    /// A flag the deadline sets from another thread.
    final class Stopped: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        func mark() { lock.withLock { stopped = true } }
        var value: Bool { lock.withLock { stopped } }
    }
}
