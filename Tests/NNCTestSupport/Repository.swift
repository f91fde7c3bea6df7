import Foundation

/// Paths of the repository, found from this file so tests run from any directory.
public enum Repository {
    /// The checkout's root (Tests/NNCTestSupport/ is two folders below it).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A path under the root.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Tests/Golden: the recorded outputs the golden tests compare with.
    public static let golden = root.appendingPathComponent("Tests/Golden")
}
