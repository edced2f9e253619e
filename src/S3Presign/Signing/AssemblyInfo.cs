using System.Runtime.CompilerServices;

// The benchmarks compare the internal presigners head to head.
[assembly: InternalsVisibleTo("S3Presign.Benchmarks")]
