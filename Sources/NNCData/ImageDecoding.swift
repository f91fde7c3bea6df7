import CNNCImage
import Foundation

/// One decoded image: 8-bit samples, row-major [height, width, channels].
struct DecodedImage {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]
}

/// Image files decoded by system libraries loaded at run time (libpng for PNG, libjpeg-turbo's
/// TurboJPEG for JPEG), so building nnc needs none of them; a missing library is an error
/// naming the package to install.
enum ImageDecoding {
    /// Larger images are refused before their pixels are decoded (a hostile header cannot
    /// make nnc allocate more than 64 MiB per channel).
    static let maxPixels = 1 << 26

    /// The file names an image folder reads, by extension.
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The image in `bytes` (the file `path`, for messages) as `channels` 8-bit samples per
    /// pixel: a PNG or JPEG file by its first bytes, whatever its extension says.
    static func decode(_ bytes: [UInt8], channels: Int, path: String) throws(DataError) -> DecodedImage {
        let isJPEG = bytes.starts(with: [0xFF, 0xD8, 0xFF])
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0
        var height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 160)
        let status = bytes.withUnsafeBytes { raw in
            (isJPEG ? nnc_jpeg_decode : nnc_png_decode)(
                raw.baseAddress, raw.count, Int32(channels), UInt64(maxPixels), &pixels, &width, &height, &message,
                message.count)
        }
        guard status == 0, let pixels else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if status == 1 {
                throw DataError(
                    .unreadableData, "'\(path)' cannot be decoded: \(reason)", file: path,
                    help: isJPEG
                        ? "install libjpeg-turbo's TurboJPEG (Debian and Ubuntu: apt-get install libturbojpeg0)"
                        : "install libpng (Debian and Ubuntu: apt-get install libpng16-16)")
            }
            throw DataError(
                .corruptData, "'\(path)' cannot be decoded: \(reason)", file: path,
                help: "replace or remove the file; every file with an image extension in a class folder is read")
        }
        defer { free(pixels) }
        let count = Int(width) * Int(height) * channels
        return DecodedImage(
            width: Int(width), height: Int(height), channels: channels,
            pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }
}
