import CYaml
import NNCDiagnostics

/// The number of nodes a YAML text stands for once every alias is expanded, counted on the
/// parser's event stream before anything is built. Yams composes an alias as a second copy
/// of its anchor's node, and everything after it (hashing keys for duplicates, converting,
/// decoding) walks the copies, so nine levels of nine aliases in 355 bytes stand for 9⁹
/// nodes and gigabytes. Counting each anchor's size once, when it ends, costs one pass over
/// the text whatever the aliases expand to.
enum YAMLNodeBudget {
    /// Far above any real spec (the bundled ones hold a few hundred nodes; 100,000 layers
    /// written out with two attributes each take 700,000) and far below what takes seconds
    /// or gigabytes to build (about 400 bytes and 5 µs a node, through decoding).
    static let limit = 1_000_000

    /// Where the count passed `limit` (the alias, or the node, that took it there) and the
    /// count reached so far; nil when the text stays within the budget. Syntax errors end
    /// the count early: Yams reports them with its own messages.
    static func excess(in text: String) -> (line: Int, column: Int, nodes: Int)? {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeMutableBufferPointer { buffer -> (line: Int, column: Int, nodes: Int)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var counter = Counter()
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let type = event.type
                if type == YAML_STREAM_END_EVENT { return nil }
                if let nodes = counter.count(event), nodes > limit {
                    return (Int(event.start_mark.line) + 1, Int(event.start_mark.column) + 1, nodes)
                }
            }
            return nil
        }
    }

    /// The running count: each open collection's size so far, and each anchor's size.
    struct Counter {
        var open: [(size: Int, anchor: String?)] = []
        var anchors: [String: Int] = [:]
        var documents = 0

        /// Takes one event; returns the size of the collection (or document) it grew, to
        /// compare with the limit.
        mutating func count(_ event: yaml_event_t) -> Int? {
            switch event.type {
            case YAML_SCALAR_EVENT:
                let anchor = Self.text(event.data.scalar.anchor)
                if let anchor { anchors[anchor] = 1 }
                return add(1)
            case YAML_ALIAS_EVENT:
                let size = Self.text(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1
                return add(size)
            case YAML_SEQUENCE_START_EVENT:
                open.append((1, Self.text(event.data.sequence_start.anchor)))
                return nil
            case YAML_MAPPING_START_EVENT:
                open.append((1, Self.text(event.data.mapping_start.anchor)))
                return nil
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return nil }
                if let anchor = closed.anchor { anchors[anchor] = closed.size }
                return add(closed.size)
            default:
                return nil
            }
        }

        /// Adds `size` nodes to the innermost open collection (or to the documents),
        /// saturating far above the limit.
        private mutating func add(_ size: Int) -> Int {
            if open.isEmpty {
                documents = min(documents + size, Int.max / 2)
                return documents
            }
            open[open.count - 1].size = min(open[open.count - 1].size + size, Int.max / 2)
            return open[open.count - 1].size
        }

        static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }
    }
}
