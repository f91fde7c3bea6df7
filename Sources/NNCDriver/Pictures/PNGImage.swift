// A minimal PNG encoder for `nnc show`: 8-bit RGB, no interlacing, every scanline with filter
// type 0 (none), the image data deflated by the system zlib (the CZlib module NNCData already
// links for gzip data files) and each chunk framed with its length and zlib's CRC-32, as the
// PNG specification (ISO/IEC 15948, §5 and §11) lays them out: signature, IHDR, IDAT, IEND.
// Pictures of weights are small (a few hundred pixels a side), so one IDAT chunk holds them.

import CZlib
import Foundation

/// An RGB image, 8 bits per channel, rows top to bottom, pixels left to right.
public struct PNGImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width × height × 3` bytes: red, green, blue.
    public var pixels: [UInt8]

    /// An image filled with one color.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8)) {
        precondition(width > 0 && height > 0, "a PNG image has at least one pixel")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = fill.0
            pixels[3 * i + 1] = fill.1
            pixels[3 * i + 2] = fill.2
        }
    }

    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get {
            let i = 3 * (y * width + x)
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = 3 * (y * width + x)
            pixels[i] = newValue.0
            pixels[i + 1] = newValue.1
            pixels[i + 2] = newValue.2
        }
    }

    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file's bytes.
    public func encoded() -> Data {
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        // Bit depth 8, color type 2 (RGB), deflate, adaptive filtering, no interlace.
        header += [8, 2, 0, 0, 0]
        var file = Self.signature
        file += Self.chunk("IHDR", header)
        file += Self.chunk("IDAT", deflated())
        file += Self.chunk("IEND", [])
        return Data(file)
    }

    /// Scanlines, each led by its filter byte (0: none), as one zlib stream.
    func deflated() -> [UInt8] {
        let row = width * 3
        var raw = [UInt8](repeating: 0, count: height * (row + 1))
        for y in 0..<height {
            raw.replaceSubrange((y * (row + 1) + 1)..<((y + 1) * (row + 1)), with: pixels[(y * row)..<((y + 1) * row)])
        }
        var size = compressBound(uLong(raw.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&out, &size, raw, uLong(raw.count), Z_BEST_COMPRESSION)
        // compress2 fails only without memory or with a buffer below compressBound.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        return Array(out[0..<Int(size)])
    }

    /// Length, type, data and the CRC-32 of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        bytes += typed
        bytes.appendBigEndian(UInt32(crc32(0, typed, uInt(typed.count))))
        return bytes
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
        ])
    }
}
