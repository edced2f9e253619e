using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace S3Presign.EntityFrameworkCore.Storage;

/// <summary>Hands the (singleton) store a short-lived <see cref="DbContext"/> per operation.</summary>
internal interface IUploadsContextSource
{
    ValueTask<UploadsContextLease> RentAsync(CancellationToken cancellationToken);
}

/// <summary>A context for one operation; disposing it returns the context (and its scope, if any).</summary>
internal readonly struct UploadsContextLease(DbContext context, IAsyncDisposable? scope) : IAsyncDisposable
{
    public DbContext Context { get; } = context;

    public async ValueTask DisposeAsync()
    {
        if (scope is not null)
        {
            // The scope owns the context.
            await scope.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            await Context.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Uses the application's <see cref="IDbContextFactory{TContext}"/> when one is registered (pooled or not), else
/// resolves <typeparamref name="TContext"/> from a fresh scope, as <c>AddDbContext</c> registers it.
/// </summary>
internal sealed class UploadsContextSource<TContext>(IServiceProvider services) : IUploadsContextSource
    where TContext : DbContext
{
    private readonly IDbContextFactory<TContext>? _factory = services.GetService<IDbContextFactory<TContext>>();
    private readonly IServiceScopeFactory _scopes = services.GetRequiredService<IServiceScopeFactory>();

    public async ValueTask<UploadsContextLease> RentAsync(CancellationToken cancellationToken)
    {
        if (_factory is not null)
        {
            return new UploadsContextLease(await _factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false), null);
        }

        var scope = _scopes.CreateAsyncScope();
        try
        {
            return new UploadsContextLease(scope.ServiceProvider.GetRequiredService<TContext>(), scope);
        }
        catch
        {
            await scope.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
