// The pictures `nnc show` draws: 8-bit RGB pixels, written as PNG files by the system's libpng
// (its simplified write API), which nnc loads at run time as it does to read images: building
// needs no image library, and a machine without libpng gets an error saying what to install.

import CNNCImage
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

    /// Why an image could not be encoded.
    public struct EncodingError: Error, Sendable, CustomStringConvertible {
        public var description: String
        /// libpng is not installed (the help says how to install it).
        public var libraryMissing: Bool
    }

    /// The PNG file's bytes, written by libpng (loaded at run time, as for reading images).
    public func encoded() throws(EncodingError) -> Data {
        var png: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 160)
        let status = nnc_png_encode(pixels, UInt32(width), UInt32(height), 3, &png, &size, &message, message.count)
        guard status == 0, let png else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw EncodingError(description: reason, libraryMissing: status == 1)
        }
        defer { free(png) }
        return Data(bytes: png, count: size)
    }
}
