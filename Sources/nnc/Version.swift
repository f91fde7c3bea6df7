/// What `nnc --version` prints: the release, and the commit it was built from when the
/// build ran in a git checkout (written by the GitRevision build plugin).
enum Version {
    static let number = "0.1.0"

    static var text: String {
        guard let commit = GitRevision.commit else { return number }
        return "\(number) (\(GitRevision.branch.map { "\($0), " } ?? "")commit \(commit.prefix(12)))"
    }
}
