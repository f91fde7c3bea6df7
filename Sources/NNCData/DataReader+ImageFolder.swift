import Foundation

/// An image folder as Keras's `image_dataset_from_directory` reads one: one subfolder per
/// class, holding that class's PNG and JPEG images.
public struct ImageFolderOptions: Sendable, Equatable {
    public var path: String
    /// Every sample's shape: [height, width, channels] (1 grayscale, 3 RGB, 4 RGBA).
    public var height: Int
    public var width: Int
    public var channels: Int
    public var resize: ImageResize
    /// The training split's class names: another split's folders must name a subset of them
    /// and keep their numbers. Nil: this folder's own classes.
    public var classNames: [String]?

    public init(
        path: String, height: Int, width: Int, channels: Int, resize: ImageResize = .bilinear,
        classNames: [String]? = nil
    ) {
        self.path = path
        self.height = height
        self.width = width
        self.channels = channels
        self.resize = resize
        self.classNames = classNames
    }
}

extension DataReader {
    /// The images under `options.path`: class names are the subfolders' names sorted by
    /// their UTF-8 bytes (Keras sorts them too), class i the i-th; images within a class in the
    /// same order; hidden entries and files without an image extension are skipped, as Keras
    /// skips them. Every image is decoded once, into memory: 4 bytes per value of the sample
    /// shape (a 25×25 grayscale image takes 2.5 KB). A folder whose samples would take more
    /// than `budget` bytes (a quarter of this machine's memory, as for text files) is refused
    /// before any image is decoded.
    static func readImageFolder(_ options: ImageFolderOptions, mode: LabelMode, budget: Int = DataFile.textBudget)
        throws(DataError) -> RawDataset
    {
        let (classNames, files) = try imageFiles(options)
        let sampleSize = options.height * options.width * options.channels
        let (bytes, overflow) = (files.count * sampleSize).multipliedReportingOverflow(by: 4)
        if overflow || bytes > budget {
            throw DataError(
                .dataSizeMismatch,
                "an image folder's samples must fit in memory; '\(options.path)' holds \(files.count.grouped) images of \(options.height)×\(options.width)×\(options.channels) values, \(overflow ? "more than memory holds" : ArrayHeader.bytes(bytes, times: 1)) as floats, more than \(ArrayHeader.bytes(budget, times: 1)), a quarter of this machine's memory",
                file: options.path,
                help: "use fewer images, or a smaller input size (images are resized to the model's input)")
        }
        var features: [Float] = []
        features.reserveCapacity(files.count * sampleSize)
        var labels: [Int32] = []
        for (label, path) in files {
            let image = try ImageDecoding.decode(DataFile.load(path).bytes, channels: options.channels, path: path)
            if options.resize == .none, image.height != options.height || image.width != options.width {
                throw DataError(
                    .dataSizeMismatch,
                    "every image must be \(options.height)×\(options.width) (the model's input) with `resize: none`; '\(path)' is \(image.height)×\(image.width)",
                    file: path, help: "resize the file, or remove `resize: none` to resize images as they are read")
            }
            features += image.resized(height: options.height, width: options.width, options.resize)
            labels.append(Int32(label))
        }
        var dataset = RawDataset(
            name: options.path, sampleShape: [options.height, options.width, options.channels], features: features,
            targets: mode == .none ? .none : .classes(labels, perSample: 1),
            origin: DataOrigin(.files(files.map(\.path))), count: files.count)
        dataset.classNames = classNames
        return dataset
    }

    /// The class names and every image file with its class number, in reading order.
    static func imageFiles(_ options: ImageFolderOptions) throws(DataError) -> (
        classNames: [String], files: [(label: Int, path: String)]
    ) {
        let root = options.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder) else {
            throw DataError(
                .unreadableData, "the image folder '\(root)' does not exist", file: root,
                help: "give a folder with one subfolder of images per class")
        }
        guard isFolder.boolValue else {
            throw DataError(
                .unreadableData,
                "'\(root)' is a file: `images` without `labels` names an image folder, one subfolder of images per class",
                file: root, help: "IDX and NPY inputs need their labels file: add `labels: FILE`")
        }
        let folders = visibleEntries(root).filter { isDirectory(root + "/" + $0) }
        guard !folders.isEmpty else {
            throw DataError(
                .unreadableData, "the image folder '\(root)' has no class subfolders", file: root,
                help: "put each class's images in a subfolder named after the class")
        }
        let classNames = options.classNames ?? folders
        var files: [(label: Int, path: String)] = []
        for folder in folders {
            guard let label = classNames.firstIndex(of: folder) else {
                throw DataError(
                    .labelMismatch,
                    "'\(root)/\(folder)' is a class the training images do not have (they have \(classNames.map { "'\($0)'" }.joined(separator: ", ")))",
                    file: root + "/" + folder,
                    help: "name the folder after a training class, or add it to the training images")
            }
            let names = visibleEntries(root + "/" + folder).filter {
                ImageDecoding.extensions.contains(($0 as NSString).pathExtension.lowercased())
            }
            files += names.map { (label, root + "/" + folder + "/" + $0) }
        }
        guard !files.isEmpty else {
            throw DataError(
                .unreadableData, "the class folders of '\(root)' hold no PNG or JPEG images", file: root,
                help: "image folders are read for .png, .jpg and .jpeg files")
        }
        return (classNames, files)
    }

    /// The names in `folder` that do not start with a dot, sorted by their UTF-8 bytes.
    private static func visibleEntries(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }
}
