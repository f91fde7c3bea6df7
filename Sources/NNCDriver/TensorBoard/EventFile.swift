import Foundation
import NNCProtobuf
import SwiftProtobuf

/// Why an event file could not be created or written: the path and the system's reason.
struct EventFileError: Error, CustomStringConvertible {
    var description: String
}

/// One TensorBoard event file: TFRecord-framed `Event` messages, the first one the file
/// version ("brain.Event:2"), as TensorFlow's and TensorBoard's own writers write them.
/// Events are kept in memory until `flush` appends them (the trainer flushes each time it
/// writes a checkpoint, so a file never runs ahead of the state a resume continues from).
final class EventFile {
    let path: String
    private let handle: FileHandle
    private var pending = Data()

    /// Creates `folder` (with its parents) and a new file in it, named as TensorBoard's
    /// `EventFileWriter` names them: `events.out.tfevents.<unix seconds, 10 digits>.<host>.<pid>.<n>`,
    /// `n` counting from `index` past any name already taken. The version record is written
    /// at once, so a folder that cannot be written is known before training starts.
    init(folder: String, index: Int) throws(EventFileError) {
        try Self.makeFolder(folder)
        let seconds = Int(Date().timeIntervalSince1970)
        var n = index
        var descriptor: Int32 = -1
        var path = ""
        repeat {
            path = folder + "/events.out.tfevents.\(String(seconds).leftPadded(to: 10)).\(Self.host).\(getpid()).\(n)"
            descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            n += 2
        } while descriptor < 0 && errno == EEXIST
        guard descriptor >= 0 else {
            throw EventFileError(description: "'\(path)' cannot be created: \(String(cString: strerror(errno)))")
        }
        self.path = path
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var version = Tensorboard_Event()
        version.wallTime = Date().timeIntervalSince1970
        version.fileVersion = "brain.Event:2"
        append(version)
        try flush()
    }

    /// Creates `path` and its missing parents, saying which one could not be made and why.
    static func makeFolder(_ path: String) throws(EventFileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw EventFileError(description: "'\(path)' is a file, not a folder") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeFolder(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw EventFileError(
                description: "the folder '\(path)' cannot be created: \(String(cString: strerror(errno)))")
        }
    }

    /// This machine's name, as Python's `socket.gethostname()` gives it.
    static let host: String = {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return host.isEmpty ? "localhost" : host
    }()

    /// Queues one event.
    func append(_ event: Tensorboard_Event) {
        // Serializing a message built here cannot fail (no required fields, no Any).
        guard let bytes = try? event.serializedData() else { return }
        pending.append(TFRecord.frame(bytes))
    }

    /// Appends the queued events to the file and syncs it.
    func flush() throws(EventFileError) {
        guard !pending.isEmpty else { return }
        do {
            try handle.write(contentsOf: pending)
            try handle.synchronize()
        } catch {
            throw EventFileError(description: "'\(path)' cannot be written: \(Self.reason(error))")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// The system's words for a failed write ("No space left on device").
    static func reason(_ error: Error) -> String {
        var error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError { error = underlying }
        return error.domain == NSPOSIXErrorDomain
            ? String(cString: strerror(Int32(error.code))) : error.localizedDescription
    }
}
