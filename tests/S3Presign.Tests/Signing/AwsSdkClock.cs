using System.Reflection;
using Amazon;

namespace S3Presign.Tests.Signing;

/// <summary>
/// Pins AWSSDK's clock (the internal <c>AWSConfigs.utcNowSource</c>) so its presigner signs at a chosen instant.
/// The hook is process-wide, so the tests using it run in <see cref="AwsSdkClockCollection"/>, alone.
/// </summary>
internal static class AwsSdkClock
{
    private static readonly FieldInfo Source =
        typeof(AWSConfigs).GetField("utcNowSource", BindingFlags.Static | BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("AWSSDK no longer has AWSConfigs.utcNowSource; find its new clock hook.");

    public static IDisposable Pin(Func<DateTime> utcNow)
    {
        var previous = Source.GetValue(null);
        Source.SetValue(null, utcNow);
        return new Restore(previous);
    }

    private sealed class Restore(object? previous) : IDisposable
    {
        public void Dispose() => Source.SetValue(null, previous);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AwsSdkClockCollection
{
    public const string Name = "AWSSDK clock (process-wide)";
}
