using S3Presign.Sample;

// ./eng/run-sample.sh starts a local Ceph RGW when no S3 endpoint is configured, then runs this.
var app = SampleApp.Build(args);
var url = await SampleApp.StartAsync(app);
Console.WriteLine($"S3Presign sample is running: open {url} (Ctrl+C to stop)");
await app.WaitForShutdownAsync();

/// <summary>The sample's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
