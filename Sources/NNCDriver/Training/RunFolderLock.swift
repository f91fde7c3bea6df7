import Foundation
import NNCSpec

/// The run folder's lock: an advisory `flock` on its `.nnc-lock` file, taken before a run
/// reads its data and held until the process ends, so a second `nnc train` into the same
/// folder is refused at once (with the holder's pid) instead of overwriting the first
/// one's checkpoints or deleting one it is about to rename. The kernel drops the lock when
/// its process dies, however it dies, so a killed run never leaves a folder locked.
public final class RunFolderLock: @unchecked Sendable {
    public static let fileName = ".nnc-lock"
    public let directory: String
    private let descriptor: Int32
    /// True when taking the lock created the folder (given back if the run fails to start).
    private let createdFolder: Bool

    private init(directory: String, descriptor: Int32, createdFolder: Bool) {
        self.directory = directory
        self.descriptor = descriptor
        self.createdFolder = createdFolder
    }

    deinit { close(descriptor) }

    /// Creates the folder if needed and locks it; E0523 when the folder cannot be created or
    /// the lock file written, E0525 naming the holder's pid when another process holds it.
    public static func acquire(_ directory: String, at location: SourceLocation) throws(TrainingFailure)
        -> RunFolderLock
    {
        let existed = FileManager.default.fileExists(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unwritableOutput, "the run folder '\(directory)' cannot be created", at: location,
                    notes: ["\(error)"])
            ])
        }
        let path = directory + "/" + fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TrainingFailure([
                Diagnostic.error(
                    .unwritableOutput,
                    "the run folder '\(directory)' must be writable to hold its lock file \(fileName)",
                    at: location, notes: [String(cString: strerror(errno))])
            ])
        }
        guard lock(fd) == 0 else {
            let failure = errno
            let holder = holderPid(fd)
            close(fd)
            guard failure == EWOULDBLOCK else {
                throw TrainingFailure([
                    Diagnostic.error(
                        .unwritableOutput, "the run folder '\(directory)' cannot be locked",
                        at: location, notes: [String(cString: strerror(failure))])
                ])
            }
            let who = holder.map { "another nnc train (pid \($0))" } ?? "another nnc train"
            throw TrainingFailure([
                Diagnostic.error(
                    .runFolderInUse, "a run folder takes one run at a time; '\(directory)' is in use by \(who)",
                    at: location,
                    notes: ["two runs in one folder overwrite each other's checkpoints and weights"],
                    help:
                        "wait for that run to end (Ctrl-C there writes a checkpoint), or give this run another folder with --out DIR"
                )
            ])
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return RunFolderLock(directory: directory, descriptor: fd, createdFolder: !existed)
    }

    /// `flock` without waiting for another process. A lock this process itself released can
    /// still look held for a moment: a child it forks (a test starting a process) shares the
    /// open file until its exec closes it. So when the file names this process, the lock is
    /// tried again for up to 2 s before it counts as held.
    private static func lock(_ fd: Int32) -> Int32 {
        var status = flock(fd, LOCK_EX | LOCK_NB)
        var tries = 0
        while status != 0, errno == EWOULDBLOCK, holderPid(fd) == getpid(), tries < 200 {
            usleep(10_000)
            tries += 1
            status = flock(fd, LOCK_EX | LOCK_NB)
        }
        return status
    }

    /// The pid the lock file names (written by its holder right after locking).
    private static func holderPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// For a run that failed before it wrote anything: removes the lock file and the folder
    /// when taking the lock created it and nothing else was put in it.
    public func abandon() {
        guard createdFolder else { return }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard names == [Self.fileName] else { return }
        unlink(directory + "/" + Self.fileName)
        rmdir(directory)
    }
}
