import Foundation

/// Reads a model file as an untrusted path: says what the path is when it is not a regular
/// file (a folder, a FIFO, a device such as /dev/zero, a symbolic-link loop) instead of
/// calling it missing, never blocks on a FIFO, and reads at most `largestSize` bytes.
enum ModelFile {
    /// Far above any spec (100,000 layers written out one per line take a few MB), and a
    /// bound on what a wrong argument costs to read.
    static let largestSize = 16 << 20

    /// An ONNX file holds its weights: protobuf's own limit, 2 GiB.
    static let largestONNXSize = 2 << 30

    static func read(_ path: String, largest largestSize: Int = largestSize) throws(DriverError) -> Data {
        // Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw DriverError(openFailure(path, errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DriverError("'\(path)' cannot be read: \(String(cString: strerror(errno)))")
        }
        if let kind = nonRegularKind(info.st_mode) {
            throw DriverError(
                "'\(path)' is \(kind), not a model file (expected a .yaml or .nn file, or an MLP shorthand like 784-128-10)"
            )
        }
        if Int(info.st_size) > largestSize {
            throw DriverError(
                "'\(path)' is \(Int(info.st_size).grouped) bytes; a model file may be at most \(largestSize.grouped) bytes (\(largestSize >> 20) MiB)"
            )
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw DriverError("'\(path)' cannot be read: \(String(cString: strerror(errno)))") }
            if count == 0 { return data }
            data.append(contentsOf: chunk[..<count])
            // The file may have grown since it was measured.
            if data.count > largestSize {
                throw DriverError(
                    "'\(path)' is more than \(largestSize.grouped) bytes; a model file may be at most \(largestSize.grouped) bytes (\(largestSize >> 20) MiB)"
                )
            }
        }
    }

    /// What a path that cannot be opened is, by the error and by what `lstat` finds there.
    static func openFailure(_ path: String, errno code: Int32) -> String {
        switch code {
        case ELOOP:
            return "'\(path)' is a symbolic link that loops (following it never reaches a file)"
        case ENOENT:
            var info = stat()
            if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " '\($0)'" } ?? ""
                return "'\(path)' is a symbolic link to\(target), which does not exist"
            }
            return "'\(path)' does not exist (expected a .yaml or .nn model, or an MLP shorthand like 784-128-10)"
        case EACCES, EPERM:
            return "'\(path)' cannot be read: permission denied"
        case ENOTDIR:
            return "'\(path)' does not exist: a part of the path before the file name is not a folder"
        case ENAMETOOLONG:
            return "'\(path.prefix(80))…' is not a usable path: it is too long"
        default:
            return "'\(path)' cannot be read: \(String(cString: strerror(code)))"
        }
    }

    /// "a directory", "a named pipe (FIFO)", …: nil for a regular file.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFCHR: "a character device (like /dev/null or /dev/zero)"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }
}
