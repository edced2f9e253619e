using Microsoft.Extensions.Hosting;
using S3Presign.EntityFrameworkCore.Storage;

namespace S3Presign.EntityFrameworkCore.DependencyInjection;

/// <summary>
/// Makes the store ready (table created when missing) while the host is starting, before any hosted service's
/// <c>StartAsync</c>, so the sweeper's first run finds the table and a bad connection string fails start-up.
/// </summary>
internal sealed class StoreSchemaInitializer(EntityFrameworkCorePendingUploadStore store) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => store.EnsureReadyAsync(cancellationToken).AsTask();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
