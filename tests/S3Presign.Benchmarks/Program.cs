using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(S3Presign.Benchmarks.PresignBenchmarks).Assembly).Run(args);
