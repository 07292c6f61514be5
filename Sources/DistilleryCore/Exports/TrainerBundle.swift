/// The trainer bundle (README "Exports"): the split files (`openai` rows; only the non-empty splits, an
/// unsplit dataset entirely in `train.jsonl`) and the files that tell LLaMA-Factory, Axolotl and Hugging Face
/// `datasets` how to read them, plus where the data came from. This type writes everything but the rows.
public struct TrainerBundle: Sendable, Equatable {
    public struct Parent: Sendable, Equatable {
        public var id: Int64
        public var name: String

        public init(id: Int64, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct Teacher: Sendable, Equatable {
        public var provider: String
        public var model: String

        public init(provider: String, model: String) {
            self.provider = provider
            self.model = model
        }
    }

    public var name: String
    /// The dataset's id on the server; nil for `distillery export` on a file.
    public var datasetID: Int64?
    /// Rows per split file.
    public var counts: SplitCounts
    /// The split applied (its settings and leakage check); nil when the dataset is not split.
    public var split: SplitRecord?
    public var parents: [Parent]
    public var teachers: [Teacher]
    public var costUSD: Double?
    /// The settings that made a synthesized dataset (`recipe.json`); nil for any other dataset.
    public var recipe: SynthesisJSON?
    public var distilleryVersion: String
    /// When the bundle was made, in milliseconds since 1970.
    public var createdAt: Int64

    public init(
        name: String, datasetID: Int64?, counts: SplitCounts, split: SplitRecord?, parents: [Parent] = [], teachers: [Teacher] = [],
        costUSD: Double? = nil, recipe: SynthesisJSON? = nil, distilleryVersion: String, createdAt: Int64
    ) {
        self.name = name
        self.datasetID = datasetID
        self.counts = counts
        self.split = split
        self.parents = parents
        self.teachers = teachers
        self.costUSD = costUSD
        self.recipe = recipe
        self.distilleryVersion = distilleryVersion
        self.createdAt = createdAt
    }

    /// The splits that get a file: the non-empty ones, or `train` alone when every split is empty.
    public var splitFiles: [DatasetSplit] {
        let present = DatasetSplit.allCases.filter { counts[$0] > 0 }
        return present.isEmpty ? [.train] : present
    }

    public static func fileName(of split: DatasetSplit) -> String { "\(split.rawValue).jsonl" }

    /// Every file besides the split files, by name.
    public var metadataFiles: [(name: String, bytes: [UInt8])] {
        var files: [(name: String, bytes: [UInt8])] = [
            ("dataset_info.json", Array((Self.pretty(datasetInfo) + "\n").utf8)),
            ("axolotl.yaml", Array(axolotlYAML.utf8)),
            ("README.md", Array(datasetCard.utf8)),
            ("provenance.json", Array((Self.pretty(provenance) + "\n").utf8)),
        ]
        if let recipe { files.append(("recipe.json", Array((Self.pretty(recipe) + "\n").utf8))) }
        return files
    }

    /// LLaMA-Factory's `dataset_info.json`: one `sharegpt`-formatted entry per split file with explicit
    /// columns and tags, since its defaults (`conversations`, `from`/`value`, `human`/`gpt`) would drop every row.
    public var datasetInfo: SynthesisJSON {
        let tags: SynthesisJSON = .object([
            ("role_tag", "role"), ("content_tag", "content"), ("user_tag", "user"), ("assistant_tag", "assistant"),
            ("system_tag", "system"),
        ])
        return .object(splitFiles.map { split in
            ("\(entryPrefix)_\(split.rawValue)", .object([
                ("file_name", .string(Self.fileName(of: split))), ("formatting", "sharegpt"),
                ("columns", .object([("messages", "messages")])), ("tags", tags),
            ]))
        })
    }

    /// Axolotl: the train file as `datasets`, the validation and test files as `test_datasets` (evaluated,
    /// never trained on), each a `chat_template` entry that trains on the assistant turns.
    public var axolotlYAML: String {
        func entry(_ split: DatasetSplit, evaluation: Bool) -> String {
            """
              - path: \(Self.fileName(of: split))
                ds_type: json
            \(evaluation ? "    split: train\n" : "")    type: chat_template
                field_messages: messages
                message_property_mappings:
                  role: role
                  content: content
                roles_to_train:
                  - assistant

            """
        }
        var yaml = "# Axolotl datasets for \(Self.yamlComment(name)), written by Distillery \(distilleryVersion).\n"
        yaml += splitFiles.contains(.train) ? "datasets:\n" + entry(.train, evaluation: false) : "datasets: []\n"
        let evaluation = splitFiles.filter { $0 != .train }
        if !evaluation.isEmpty {
            yaml += "test_datasets:\n" + evaluation.map { entry($0, evaluation: true) }.joined()
        }
        return yaml
    }

    /// The Hugging Face dataset card: YAML `configs` mapping each split to its file, so
    /// `datasets.load_dataset(folder)` gives the splits, then a short description.
    public var datasetCard: String {
        var card = "---\nconfigs:\n- config_name: default\n  data_files:\n"
        for split in splitFiles {
            card += "  - split: \(split.rawValue)\n    path: \(Self.fileName(of: split))\n"
        }
        card += "---\n\n# \(name)\n\n"
        card += "Chat fine-tuning data exported by Distillery \(distilleryVersion) on \(Formatting.iso8601(milliseconds: createdAt)). "
        card += "Each line of a split file is `{\"messages\":[{\"role\",\"content\"},…]}` (roles system, user, assistant).\n\n"
        card += "| split | file | rows |\n|---|---|---|\n"
        for split in splitFiles {
            card += "| \(split.rawValue) | `\(Self.fileName(of: split))` | \(counts[split]) |\n"
        }
        if let split {
            card += "\nSplit \(Self.percent(split.distribution)) with seed \(split.seed); rows whose user turns are exact or near "
                + "duplicates (word-shingle Jaccard ≥ \(split.threshold)) share a split: \(split.crossSplitPairs) cross-split "
                + "near-duplicate pairs.\n"
        } else {
            card += "\nThe dataset was not split: every row is in `train.jsonl`.\n"
        }
        card += "\n`dataset_info.json` registers the files with LLaMA-Factory, `axolotl.yaml` with Axolotl; "
            + "`provenance.json` says where the data came from.\n"
        return card
    }

    /// Parents, teachers, rows per split, cost, the leakage check, version and time: never a key.
    public var provenance: SynthesisJSON {
        var members: [(key: String, value: SynthesisJSON)] = [("name", .string(name))]
        if let datasetID { members.append(("dataset_id", .number(Double(datasetID)))) }
        members += [
            ("parents", .array(parents.map { .object([("id", .number(Double($0.id))), ("name", .string($0.name))]) })),
            ("teachers", .array(teachers.map { .object([("provider", .string($0.provider)), ("model", .string($0.model))]) })),
            ("rows", .object(DatasetSplit.allCases.map { ($0.rawValue, .number(Double(counts[$0]))) })),
            ("cost_usd", costUSD.map(SynthesisJSON.number) ?? .null),
        ]
        if let split {
            members.append(("split", .object([
                ("train", .number(split.distribution.train)), ("validation", .number(split.distribution.validation)),
                ("test", .number(split.distribution.test)), ("seed", .number(Double(split.seed))),
                ("threshold", .number(split.threshold)),
                ("leakage", .object([
                    ("cross_split_pairs", .number(Double(split.crossSplitPairs))),
                    ("groups_kept_together", .number(Double(split.groupsKeptTogether))),
                    ("rows_in_groups", .number(Double(split.rowsInGroups))), ("bent_by", .number(Double(split.bentBy))),
                ])),
            ])))
        } else {
            members.append(("split", .null))
        }
        members += [
            ("distillery_version", .string(distilleryVersion)),
            ("created_at", .string(Formatting.iso8601(milliseconds: createdAt))),
        ]
        return .object(members)
    }

    /// `name` as a LLaMA-Factory dataset key: lowercase letters, digits and underscores.
    var entryPrefix: String {
        var slug = ""
        for scalar in name.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("_") {
                slug += "_"
            }
        }
        while slug.hasSuffix("_") { slug.removeLast() }
        while slug.hasPrefix("_") { slug.removeFirst() }
        return slug.isEmpty ? "dataset" : slug
    }

    private static func percent(_ distribution: RecipeDistribution) -> String {
        DatasetSplit.allCases.map { "\(Int((distribution.fraction($0) * 100).rounded()))" }.joined(separator: "/")
    }

    /// A name inside a YAML comment: one line.
    private static func yamlComment(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// JSON with two-space indentation, for files people open.
    static func pretty(_ value: SynthesisJSON, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .object(let members) where !members.isEmpty:
            return "{\n" + members.map { inner + SynthesisJSON.string($0.key).serialized + ": " + pretty($0.value, indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        default:
            return value.serialized
        }
    }
}
