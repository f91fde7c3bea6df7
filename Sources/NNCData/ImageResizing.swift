/// How an image folder's images of another size become the model's height × width.
public enum ImageResize: String, Sendable, Equatable, CaseIterable {
    /// Bilinear interpolation with half-pixel centres and no antialiasing: Keras's default
    /// (`tf.image.resize(..., "bilinear")` in `image_dataset_from_directory`).
    case bilinear
    /// The nearest source pixel (half-pixel centres).
    case nearest
    /// No resizing: an image of another size is an error naming the file.
    case none
}

extension DecodedImage {
    /// This image at `height` × `width` as floats in 0…255, by `method` (not `.none`).
    /// Source coordinate of output pixel x: (x + 0.5) · width/outWidth − 0.5, clamped to
    /// the image, as TensorFlow computes it with half_pixel_centers.
    func resized(height outHeight: Int, width outWidth: Int, _ method: ImageResize) -> [Float] {
        if outHeight == height, outWidth == width { return pixels.map(Float.init) }
        var out = [Float](repeating: 0, count: outHeight * outWidth * channels)
        let rowScale = Float(height) / Float(outHeight)
        let columnScale = Float(width) / Float(outWidth)
        func pixel(_ y: Int, _ x: Int, _ c: Int) -> Float { Float(pixels[(y * width + x) * channels + c]) }
        for y in 0..<outHeight {
            let sourceY = max((Float(y) + 0.5) * rowScale - 0.5, 0)
            for x in 0..<outWidth {
                let sourceX = max((Float(x) + 0.5) * columnScale - 0.5, 0)
                let base = (y * outWidth + x) * channels
                switch method {
                case .nearest, .none:
                    let nearestY = min(Int((Float(y) + 0.5) * rowScale), height - 1)
                    let nearestX = min(Int((Float(x) + 0.5) * columnScale), width - 1)
                    for c in 0..<channels { out[base + c] = pixel(nearestY, nearestX, c) }
                case .bilinear:
                    let y0 = min(Int(sourceY), height - 1)
                    let x0 = min(Int(sourceX), width - 1)
                    let y1 = min(y0 + 1, height - 1)
                    let x1 = min(x0 + 1, width - 1)
                    let dy = sourceY - Float(y0)
                    let dx = sourceX - Float(x0)
                    for c in 0..<channels {
                        let top = pixel(y0, x0, c) + (pixel(y0, x1, c) - pixel(y0, x0, c)) * dx
                        let bottom = pixel(y1, x0, c) + (pixel(y1, x1, c) - pixel(y1, x0, c)) * dx
                        out[base + c] = top + (bottom - top) * dy
                    }
                }
            }
        }
        return out
    }
}
