import CZlib
import Foundation
import NNCRuntime
import Testing

@testable import NNCDriver

/// `nnc show weights` and `nnc show activations`: the PNG files decoded back (signature, chunk
/// CRCs, IHDR against the grid arithmetic, the IDAT inflated with zlib) and a known tile's
/// pixels compared with the weights' normalized values; the errors each with its code.
@Suite(.serialized) struct PictureTests {
    /// A PNG file's width, height and RGB pixels, every chunk's CRC checked: decoded here with
    /// zlib and the PNG specification's five scanline filters (ISO/IEC 15948 §9), independently
    /// of the libpng that wrote it.
    struct Decoded {
        var width = 0, height = 0
        var pixels: [UInt8] = []

        init(_ data: Data) throws {
            let bytes = [UInt8](data)
            try #require(Array(bytes.prefix(8)) == PNGImage.signature)
            var at = 8
            var idat: [UInt8] = []
            func be(_ i: Int) -> Int { bytes[i...(i + 3)].reduce(0) { $0 << 8 | Int($1) } }
            while at < bytes.count {
                let length = be(at)
                let typed = Array(bytes[(at + 4)..<(at + 8 + length)])
                #expect(be(at + 8 + length) == Int(crc32(0, typed, uInt(typed.count))), "CRC of chunk at \(at)")
                let type = String(decoding: typed.prefix(4), as: UTF8.self)
                let body = Array(typed.dropFirst(4))
                if type == "IHDR" {
                    width = be(at + 8)
                    height = be(at + 12)
                    #expect(Array(body[8...]) == [8, 2, 0, 0, 0], "8-bit RGB, no interlace")
                }
                if type == "IDAT" { idat += body }
                at += 12 + length
            }
            var size = uLong(height * (width * 3 + 1))
            var raw = [UInt8](repeating: 0, count: Int(size))
            try #require(uncompress(&raw, &size, idat, uLong(idat.count)) == Z_OK && Int(size) == raw.count)
            let stride = width * 3
            var previous = [UInt8](repeating: 0, count: stride)
            for y in 0..<height {
                let start = y * (stride + 1)
                let filter = raw[start]
                var line = Array(raw[(start + 1)...(start + stride)])
                for i in 0..<stride {
                    let a = i >= 3 ? Int(line[i - 3]) : 0
                    let b = Int(previous[i])
                    let c = i >= 3 ? Int(previous[i - 3]) : 0
                    let predicted: Int
                    switch filter {
                    case 0: predicted = 0
                    case 1: predicted = a
                    case 2: predicted = b
                    case 3: predicted = (a + b) / 2
                    case 4:
                        let p = a + b - c
                        let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                    default:
                        Issue.record("row \(y) has the unknown filter type \(filter)")
                        predicted = 0
                    }
                    line[i] = UInt8(truncatingIfNeeded: Int(line[i]) + predicted)
                }
                pixels += line
                previous = line
            }
        }

        subscript(x: Int, y: Int) -> [UInt8] {
            let i = 3 * (y * width + x)
            return Array(pixels[i..<(i + 3)])
        }
    }

    /// The blue–white–red map, worked out here again.
    static func diverging(_ t: Double) -> [Int] {
        let level = { (x: Double) in Int((x * 255).rounded()) }
        return t < 0 ? [level(1 + t), level(1 + t), 255] : [255, level(1 - t), level(1 - t)]
    }

    static func json(_ run: Binary.Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
    }

    @Test func aSmallImageDecodesBack() throws {
        var image = PNGImage(width: 3, height: 2, fill: (64, 64, 64))
        image[2, 1] = (255, 0, 10)
        let decoded = try Decoded(try image.encoded())
        #expect(decoded.width == 3 && decoded.height == 2)
        #expect(decoded[2, 1] == [255, 0, 10] && decoded[0, 0] == [64, 64, 64])
    }

    /// A conv2d kernel [kh, kw, cin, filters] reading 3 channels: one RGB tile per filter; reading
    /// 2: a row per filter, a gray tile per input channel; each value where its index says.
    @Test func filterLayoutsFollowTheInputChannels() {
        func kernel(_ cin: Int) -> SafeTensors.Tensor {
            let shape = [2, 3, cin, 4]
            return SafeTensors.Tensor(
                name: "k", shape: shape, values: (0..<shape.reduce(1, *)).map { Float($0) })
        }
        let (rgbWords, rgb) = Pictures.filters(kernel(3), .shared)
        #expect(rgb.tiles.count == 4 && rgb.tiles.allSatisfy { $0.channels == 3 && $0.width == 3 && $0.height == 2 })
        #expect(rgbWords.contains("RGB") && rgb.columns == 2)
        // Filter 1, y 1, x 2, channel 2: index ((1·3 + 2)·3 + 2)·4 + 1.
        #expect(rgb.tiles[1].values[(1 * 3 + 2) * 3 + 2] == Float(((1 * 3 + 2) * 3 + 2) * 4 + 1))
        let (words, perChannel) = Pictures.filters(kernel(2), .tile)
        #expect(perChannel.tiles.count == 8 && perChannel.columns == 2 && perChannel.rows == 4)
        #expect(words.contains("a row per filter"))
        // Row 3 (filter 3), column 1 (channel 1), y 0, x 1.
        #expect(perChannel.tiles[3 * 2 + 1].values[1] == Float(((0 * 3 + 1) * 2 + 1) * 4 + 3))
        // Per-tile min–max: the tile's smallest value black, its largest white.
        let colors = perChannel.colors(perChannel.tiles[0], bound: 0)
        #expect(colors.first! == (0, 0, 0) && colors.last! == (255, 255, 255))
    }

    /// The MLP on MNIST after one epoch: its first layer's 128 units as 28×28 tiles (the model's
    /// input is [784]; the IDX file's images are 28×28), each pixel the unit's weight on that
    /// pixel in the shared diverging map; the output layer as a heat map.
    @Test func anMLPsFirstLayerIsDrawnAsImages() throws {
        let s = try Scratch()
        let train = try Binary.run([
            "train", "models/mnist_mlp.yaml", "--epochs", "1", "--threads", "2", "--out", s.path("run"), "--quiet",
        ])
        try #require(train.status == 0, "\(train.stderr)")
        let png = s.path("w.png")
        let run = try Binary.run([
            "show", "weights", "models/mnist_mlp.yaml", "--run", s.path("run"), "-o", png, "--format", "json",
        ])
        try #require(run.status == 0, "\(run.stderr)")
        let object = try Self.json(run)
        #expect(object["layer"] as? String == "dense" && object["tiles"] as? Int == 128)
        #expect(object["grid"] as? [String: Int] == ["rows": 11, "columns": 12])
        #expect(object["tile"] as? [String: Int] == ["width": 28, "height": 28])
        // 12 columns of 28 values × 2 pixels, 11 separators; 11 rows.
        let decoded = try Decoded(try Data(contentsOf: URL(fileURLWithPath: png)))
        #expect(decoded.width == 12 * 56 + 11 && decoded.height == 11 * 56 + 10)
        #expect(object["image"] as? [String: Int] == ["width": decoded.width, "height": decoded.height])

        let kernel = try #require(try SafeTensors(contentsOf: s.path("run/weights.safetensors"))["dense.kernel"])
        let bound = kernel.values.map { abs(Double($0)) }.max()!
        #expect(abs((object["shared_bound"] as? Double ?? 0) - bound) < 1e-6 * bound)
        // Unit 13: row 1, column 1 of the grid.
        let (x0, y0, unit) = (57, 57, 13)
        for (px, py) in [(0, 0), (14, 14), (20, 9), (27, 27), (5, 22)] {
            let v = Double(kernel.values[(py * 28 + px) * 128 + unit])
            let expected = Self.diverging(Double(Float(v) / Float(bound)))
            for (dx, dy) in [(0, 0), (1, 1)] {
                let got = decoded[x0 + px * 2 + dx, y0 + py * 2 + dy].map(Int.init)
                #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1 }, "(\(px), \(py)): \(got) for \(v)")
            }
        }
        #expect(decoded[56, 10] == [64, 64, 64], "the separator between tiles")

        // The text report; the second dense layer reads a vector: a heat map of its matrix.
        let text = try Binary.run([
            "show", "weights", "models/mnist_mlp.yaml", "--run", s.path("run"), "--layer", "dense_1",
        ])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("1 tile: one heat map of the 128×10 matrix"), "\(text.stdout)")
        #expect(
            text.stdout.contains("picture: \(s.path("run"))/weights-dense_1.png (256 × 250 pixels)"), "\(text.stdout)")
    }

    /// LeNet-5 after a short epoch: its 6 5×5 filters, the first layer's 6 feature maps of a
    /// test digit (each tile stretched to its own black–white range), and the errors.
    @Test func convolutionFiltersAndFeatureMaps() throws {
        let s = try Scratch()
        let out = s.path("run")
        let train = try Binary.run([
            "train", "models/lenet5.yaml", "--epochs", "1", "--threads", "2", "--out", out, "--quiet",
        ])
        try #require(train.status == 0, "\(train.stderr)")
        let weights = try Binary.run(["show", "weights", "models/lenet5.yaml", "--run", out, "--format", "json"])
        try #require(weights.status == 0, "\(weights.stderr)")
        let w = try Self.json(weights)
        #expect(w["layer"] as? String == "conv2d" && w["tiles"] as? Int == 6)
        #expect(w["grid"] as? [String: Int] == ["rows": 2, "columns": 3])
        let filters = try Decoded(try Data(contentsOf: URL(fileURLWithPath: "\(out)/weights-conv2d.png")))
        #expect(filters.width == 3 * 60 + 2 && filters.height == 2 * 60 + 1)
        let kernel = try #require(try SafeTensors(contentsOf: "\(out)/weights.safetensors")["conv2d.kernel"])
        let bound = kernel.values.map { abs($0) }.max()!
        // Filter 4 (row 1, column 1), value (y 2, x 3): kernel [5, 5, 1, 6].
        let v = kernel.values[(2 * 5 + 3) * 6 + 4]
        let got = filters[61 + 3 * 12 + 5, 61 + 2 * 12 + 5].map(Int.init)
        #expect(zip(got, Self.diverging(Double(v / bound))).allSatisfy { abs($0 - $1) <= 1 }, "\(got) for \(v)")

        let png = s.path("a.png")
        let maps = try Binary.run([
            "show", "activations", "models/lenet5.yaml", "--run", out, "--sample", "3", "-o", png, "--format", "json",
        ])
        try #require(maps.status == 0, "\(maps.stderr)")
        let a = try Self.json(maps)
        #expect(a["tiles"] as? Int == 6 && a["normalization"] as? String == "tile")
        let sample = try #require(a["sample"] as? [String: Any])
        #expect(sample["split"] as? String == "test" && sample["index"] as? Int == 3 && sample["label"] as? Int == 3)
        #expect(sample["count"] as? Int == 1000)
        let decoded = try Decoded(try Data(contentsOf: URL(fileURLWithPath: png)))
        #expect(decoded.width == 3 * 56 + 2 && decoded.height == 2 * 56 + 1)
        // Each feature map spans its own range: black and white in every tile (ReLU maps are not constant).
        for tile in 0..<6 {
            let (x0, y0) = ((tile % 3) * 57, (tile / 3) * 57)
            let levels = (0..<28).flatMap { y in (0..<28).map { x in decoded[x0 + 2 * x, y0 + 2 * y] } }
            #expect(levels.contains([0, 0, 0]) && levels.contains([255, 255, 255]), "feature map \(tile)")
            #expect(levels.allSatisfy { $0[0] == $0[1] && $0[1] == $0[2] }, "gray")
        }
        // The same digit read from a file of inputs, as `nnc predict --input` reads it: the same picture.
        let images = "models/data/mnist5k-test-images-idx3-ubyte.gz"
        let fromFile = try Binary.run([
            "show", "activations", "models/lenet5.yaml", "--run", out, "--input", images, "--sample", "3", "-o",
            s.path("b.png"), "--format", "json",
        ])
        try #require(fromFile.status == 0, "\(fromFile.stderr)")
        let fileSample = try #require(try Self.json(fromFile)["sample"] as? [String: Any])
        #expect(fileSample["split"] as? String == "input" && fileSample["file"] as? String == images)
        #expect(fileSample["index"] as? Int == 3 && fileSample["count"] as? Int == 1000 && fileSample["label"] == nil)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: s.path("b.png"))) == Data(contentsOf: URL(fileURLWithPath: png)))
        let fileText = try Binary.run([
            "show", "activations", "models/lenet5.yaml", "--run", out, "--input", images, "--sample", "7", "-o",
            s.path("c.png"),
        ])
        #expect(fileText.stdout.contains("sample 7 of 1000 in \(images)\n"), "\(fileText.stdout)")

        let strip = try Binary.run([
            "show", "activations", "models/lenet5.yaml", "--run", out, "--layer", "dense_2", "-o", png,
        ])
        #expect(strip.status == 0 && strip.stdout.contains("1 tile: one strip of the 10 outputs"), "\(strip.stdout)")
        #expect(strip.stdout.contains("sample 0 of 1000 in the test split, label 0"), "\(strip.stdout)")

        // Errors: each located, with its code.
        func fails(_ arguments: [String], _ code: String, _ text: String, status: Int32 = 1) throws {
            let run = try Binary.run(["show"] + arguments)
            #expect(run.status == status && run.stderr.contains(code) && run.stderr.contains(text), "\(run.stderr)")
        }
        let lenet = "models/lenet5.yaml"
        try fails(["weights", lenet, "--run", out, "--layer", "conv2d_9"], "[E0560]", "did you mean 'conv2d_1'?")
        try fails(["weights", lenet, "--run", out, "--layer", "maxpool2d"], "[E0561]", "it has no kernel")
        try fails(["activations", lenet, "--run", out, "--sample", "1000"], "[E0562]", "which has 1000 samples")
        try fails(
            ["activations", lenet, "--run", out, "--input", images, "--sample", "1000"], "[E0562]",
            "sample 1000 is not in '\(images)', which has 1000 samples")
        try fails(
            ["activations", lenet, "--run", out, "--input", "models/data/iris.csv"], "[E0504]",
            "the samples of 'models/data/iris.csv' are [5]")
        try fails(["weights", lenet, "--run", s.path("none")], "[E0522]", "none/weights.safetensors")
        try fails(["weights", lenet, "--run", out, "-o", "/proc/nnc/w.png"], "[E0523]", "/proc/nnc/w.png")
        try fails(["weights", "models/mnist_mlp.yaml", "--weights", "\(out)/weights.safetensors"], "[E0521]", "differ")
        try fails(["weights", lenet, "--run", out, "--weights", "w"], "Error:", "give --weights or --run", status: 64)
    }
}
