import ArgumentParser

/// Benchmarks for Distillery's hot paths; each subcommand lives in its own file.
struct DistilleryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distillery-bench",
        abstract: "Benchmarks for Distillery's hot paths.",
        subcommands: [
            ValidateBenchmark.self, ServeLoadBenchmark.self, SynthSpeedBenchmark.self, SynthRateLimitBenchmark.self, SynthFaultsBenchmark.self, SynthJudgeBenchmark.self,
            SynthCrashBenchmark.self, SlowHeadersBenchmark.self, SplitDedupBenchmark.self, SplitExportBenchmark.self,
            GenerationBenchmark.self, ExplorerBenchmark.self, QualityChecksBenchmark.self, EvaluationBenchmark.self,
        ]
    )
}

DistilleryBench.main()
