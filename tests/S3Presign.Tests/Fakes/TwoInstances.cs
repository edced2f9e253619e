using S3Presign.Storage;
using S3Presign.Testing;

namespace S3Presign.Tests.Fakes;

/// <summary>
/// Two "instances" of an app sharing one store and one bucket, each on its own clock: <see cref="App"/> serves the
/// clients, <see cref="Other"/> sweeps. Setting the sweeper's clock past a deadline the app still sees in time
/// (clock skew between processes) lets every transition win a race.
/// </summary>
public sealed class TwoInstances : IDisposable
{
    public TwoInstances(Action<S3UploadsOptions>? configure = null)
    {
        var (client, s3) = FakeS3.Create();
        S3 = s3;
        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        AppClock = new ManualTimeProvider(start);
        SweeperClock = new ManualTimeProvider(start);
        App = new TestHost(s3, client, AppClock, Store, configure);
        Other = new TestHost(s3, client, SweeperClock, Store, configure);
    }

    public FakeS3 S3 { get; }

    public InMemoryPendingUploadStore Store { get; } = new();

    public ManualTimeProvider AppClock { get; }

    public ManualTimeProvider SweeperClock { get; }

    public TestHost App { get; }

    public TestHost Other { get; }

    public void Dispose()
    {
        App.Dispose();
        Other.Dispose();
    }
}
