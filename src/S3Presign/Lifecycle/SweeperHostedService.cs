using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace S3Presign.Lifecycle;

/// <summary>Runs <see cref="IUploadSweeper"/> every <see cref="S3UploadsOptions.SweepInterval"/>, on the injected clock.</summary>
internal sealed partial class SweeperHostedService(
    IUploadSweeper sweeper,
    IOptionsMonitor<S3UploadsOptions> options,
    TimeProvider timeProvider,
    ILoggerFactory? loggerFactory = null) : BackgroundService
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SweeperHostedService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.EnableSweeper)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.CurrentValue.SweepInterval, timeProvider);
        do
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store or S3 is down: try again next interval.
                LogSweepCrashed(_logger, e);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async ValueTask<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload sweep failed; retrying at the next interval.")]
    private static partial void LogSweepCrashed(ILogger logger, Exception exception);
}
