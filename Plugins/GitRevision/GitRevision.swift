import Foundation
import PackagePlugin

/// Gives the `nnc` target a generated `GitRevision.swift`: the commit and branch of the
/// checkout it is built from, for `nnc --version`. GitRevisionTool reads them from the
/// `.git` files (no `git` program is needed); outside a checkout both are nil. The command
/// runs again whenever HEAD or the branch it names moves.
@main
struct GitRevisionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "GitRevision.swift")
        return [
            .buildCommand(
                displayName: "Reading the git revision for nnc --version",
                executable: try context.tool(named: "GitRevisionTool").url,
                arguments: [root.path, output.path],
                inputFiles: Self.watchedFiles(root),
                outputFiles: [output])
        ]
    }

    /// HEAD, the branch ref it names and packed-refs, those that exist.
    static func watchedFiles(_ root: URL) -> [URL] {
        var git = root.appending(path: ".git")
        // In a worktree, .git is a file naming the real git directory.
        if let link = try? String(contentsOf: git, encoding: .utf8), link.hasPrefix("gitdir: ") {
            let path = link.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
            git = path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appending(path: path)
        }
        var common = git
        if let text = try? String(contentsOf: git.appending(path: "commondir"), encoding: .utf8) {
            let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
            common = path.hasPrefix("/") ? URL(fileURLWithPath: path) : git.appending(path: path)
        }
        var files = [git.appending(path: "HEAD"), common.appending(path: "packed-refs")]
        if let head = try? String(contentsOf: files[0], encoding: .utf8), head.hasPrefix("ref: ") {
            let ref = head.dropFirst("ref: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
            files.append(git.appending(path: ref))
            files.append(common.appending(path: ref))
        }
        return files.filter { FileManager.default.fileExists(atPath: $0.path) }
    }
}
