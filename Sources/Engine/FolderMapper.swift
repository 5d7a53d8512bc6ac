/// A folder of the source (as the backup catalog knows it).
public struct SourceFolder: Sendable, Hashable {
    /// The decoded name as the server sent it, namespace prefix included: `INBOX.Sent` on a `.` server.
    public var name: String
    public var delimiter: Character?
    /// The RFC 6154 attribute the server gave it, if any.
    public var specialUse: String?

    public init(name: String, delimiter: Character?, specialUse: String? = nil) {
        self.name = name
        self.delimiter = delimiter
        self.specialUse = specialUse
    }

    public var isInbox: Bool { name.uppercased() == "INBOX" }
}

/// How the destination names folders: its delimiter, personal namespace prefix and existing folders.
public struct DestinationLayout: Sendable, Hashable {
    public struct Folder: Sendable, Hashable {
        public var name: String
        public var specialUse: String?
        public init(name: String, specialUse: String? = nil) {
            self.name = name
            self.specialUse = specialUse
        }
    }

    /// nil for a flat namespace.
    public var delimiter: Character?
    /// The personal namespace prefix, delimiter included (`INBOX.`), or empty.
    public var prefix: String
    public var folders: [Folder]

    public init(delimiter: Character?, prefix: String = "", folders: [Folder] = []) {
        self.delimiter = delimiter
        self.prefix = prefix
        self.folders = folders
    }

    /// The folder's levels without the namespace prefix.
    func levels(of name: String) -> [String] {
        if name.uppercased() == "INBOX" { return ["INBOX"] }
        var rest = Substring(name)
        if !prefix.isEmpty, name.uppercased().hasPrefix(prefix.uppercased()) { rest = rest.dropFirst(prefix.count) }
        guard let delimiter else { return [String(rest)] }
        return rest.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
    }

    /// The full name of a folder given as levels.
    func name(of levels: [String]) -> String {
        if levels.count == 1, levels[0].uppercased() == "INBOX" { return "INBOX" }
        let joined = levels.joined(separator: delimiter.map(String.init) ?? "/")
        // INBOX's children already live under the prefix a `.` server uses for everything.
        if levels.first?.uppercased() == "INBOX", prefix.uppercased() == "INBOX" + (delimiter.map(String.init) ?? "") {
            return "INBOX" + joined.dropFirst(5)
        }
        return prefix + joined
    }

    func contains(_ name: String) -> Bool {
        folders.contains { $0.name == name || (name.uppercased() == "INBOX" && $0.name.uppercased() == "INBOX") }
    }
}

/// Settings of the folder mapping (job keys `map`, `automap`, `into`, `include`, `exclude`).
public struct FolderMapOptions: Sendable, Hashable {
    public var rules: [FolderMapRule]
    /// Map `\Sent \Drafts \Trash \Junk \Archive` folders (marked, or known by name) to the
    /// destination's folder of the same use.
    public var automap: Bool
    /// A subtree (levels separated by `/`) that receives every folder no rule or automap placed.
    public var into: String?
    public var include: [String]
    public var exclude: [String]
    /// Replaces the destination's delimiter where it appears inside one level of a source name.
    public var delimiterSubstitute: String

    public init(
        rules: [FolderMapRule] = [], automap: Bool = false, into: String? = nil, include: [String] = [],
        exclude: [String] = [], delimiterSubstitute: String = "_"
    ) {
        self.rules = rules
        self.automap = automap
        self.into = into
        self.include = include
        self.exclude = exclude
        self.delimiterSubstitute = delimiterSubstitute
    }
}

/// Where one source folder goes.
public struct FolderMapping: Sendable, Hashable, Codable {
    public enum Reason: String, Sendable, Hashable, Codable {
        case inbox
        case rule
        case automap
        /// Under an automapped parent.
        case automapParent = "automap-parent"
        case translated
        case excluded
    }

    public var source: String
    /// The destination's full decoded name; nil when excluded.
    public var destination: String?
    public var reason: Reason
    /// Whether the destination folder exists already.
    public var exists: Bool
    /// A level of the source name held the destination's delimiter, which was replaced.
    public var escaped: Bool
}

/// Decides the destination folder of every source folder. Pure: no I/O.
///
/// Order: include/exclude globs; INBOX stays INBOX; the first matching rule; automap (special use
/// or a known name); a child of an automapped folder follows it; else the same levels, under
/// `into`, translated to the destination's delimiter and prefix.
public struct FolderMapper: Sendable {
    public var options: FolderMapOptions
    public var destination: DestinationLayout

    public init(options: FolderMapOptions, destination: DestinationLayout) throws(FolderMapError) {
        if let delimiter = destination.delimiter, options.delimiterSubstitute.contains(delimiter) {
            throw .badOption(
                "the delimiter substitute \"\(options.delimiterSubstitute)\" holds the destination's delimiter")
        }
        for rule in options.rules {
            do {
                _ = try rule.compile(delimiter: "/")
            } catch {
                throw .badPattern(rule, "\(error.localizedDescription)")
            }
        }
        self.options = options
        self.destination = destination
    }

    /// The personal namespace prefix a source used, inferred from its folder names (the catalog does not
    /// keep NAMESPACE): `INBOX.` when every folder but INBOX sits under `INBOX.` on a `.` server.
    public static func sourcePrefix(of folders: [SourceFolder]) -> String {
        let others = folders.filter { !$0.isInbox }
        guard !others.isEmpty, others.allSatisfy({ $0.delimiter == "." && $0.name.uppercased().hasPrefix("INBOX.") })
        else { return "" }
        return "INBOX."
    }

    public func map(_ folders: [SourceFolder]) throws(FolderMapError) -> [FolderMapping] {
        let prefix = Self.sourcePrefix(of: folders)
        let filter = FolderFilter(include: options.include, exclude: options.exclude)
        let levels = folders.map { self.levels(of: $0, prefix: prefix) }
        var automapped: [[String]: [String]] = [:]
        var results = [FolderMapping?](repeating: nil, count: folders.count)
        // Parents before children, so that a child finds where its automapped parent went.
        for index in folders.indices.sorted(by: { levels[$0].count < levels[$1].count }) {
            let folder = folders[index]
            guard filter.accepts(folder.name, delimiter: folder.delimiter) else {
                results[index] = FolderMapping(
                    source: folder.name, destination: nil, reason: .excluded, exists: false, escaped: false)
                continue
            }
            var (target, reason) = try place(folder, levels: levels[index], automapped: automapped)
            if reason == .automap { automapped[levels[index]] = target }
            var escaped = false
            if let delimiter = destination.delimiter {
                target = target.map { level in
                    guard level.contains(delimiter) else { return level }
                    escaped = true
                    return level.replacingOccurrences(of: String(delimiter), with: options.delimiterSubstitute)
                }
            }
            let name = destination.name(of: target)
            results[index] = FolderMapping(
                source: folder.name, destination: name, reason: reason, exists: destination.contains(name),
                escaped: escaped)
        }
        return results.map { $0! }
    }

    /// A source folder's levels without its namespace prefix.
    func levels(of folder: SourceFolder, prefix: String) -> [String] {
        if folder.isInbox { return ["INBOX"] }
        var rest = Substring(folder.name)
        if !prefix.isEmpty, folder.name.uppercased().hasPrefix(prefix.uppercased()) {
            rest = rest.dropFirst(prefix.count)
        }
        guard let delimiter = folder.delimiter else { return [String(rest)] }
        var levels = rest.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
        if levels.first?.uppercased() == "INBOX" { levels[0] = "INBOX" }
        return levels
    }

    /// The destination levels of a folder, and why.
    func place(_ folder: SourceFolder, levels: [String], automapped: [[String]: [String]]) throws(FolderMapError)
        -> ([String], FolderMapping.Reason)
    {
        let into = options.into.map { Self.targetLevels($0, destination: destination) } ?? []
        for rule in options.rules {
            let captures: [String]?
            do {
                captures = try rule.match(folder.name, delimiter: folder.delimiter)
            } catch {
                throw .badPattern(rule, "\(error.localizedDescription)")
            }
            guard let captures else { continue }
            let expanded = try rule.expand(captures: captures, delimiter: folder.delimiter)
            return (into + Self.targetLevels(expanded, destination: destination), .rule)
        }
        if folder.isInbox {
            return (options.automap || into.isEmpty ? ["INBOX"] : into + ["INBOX"], .inbox)
        }
        if options.automap {
            let use = SpecialUse(attribute: folder.specialUse) ?? SpecialUse(knownName: levels.joined(separator: "/"))
            if let use { return (automapTarget(use), .automap) }
            for length in stride(from: levels.count - 1, through: 1, by: -1) {
                if let parent = automapped[Array(levels.prefix(length))] {
                    return (parent + levels.dropFirst(length), .automapParent)
                }
            }
        }
        return (into + levels, .translated)
    }

    /// The destination folder for a use: the one marked with it, else one with a known name, else a new
    /// folder with the use's usual name.
    func automapTarget(_ use: SpecialUse) -> [String] {
        if let marked = destination.folders.first(where: { SpecialUse(attribute: $0.specialUse) == use }) {
            return destination.levels(of: marked.name)
        }
        for known in use.knownNames {
            let levels = destination.folders.lazy.map { destination.levels(of: $0.name) }
            if let named = levels.first(where: { $0.joined(separator: "/").lowercased() == known.lowercased() }) {
                return named
            }
        }
        return [use.defaultName]
    }

    /// A target written with `/` between levels, or as the destination spells it when it starts with the
    /// destination's prefix.
    static func targetLevels(_ target: String, destination: DestinationLayout) -> [String] {
        if !destination.prefix.isEmpty, target.uppercased().hasPrefix(destination.prefix.uppercased()) {
            return destination.levels(of: target)
        }
        let slash = String(FolderMapRule.literalSlash)
        return target.split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: slash, with: "/")
        }
    }
}
