namespace S3Presign.Lifecycle;

/// <summary>
/// Deletes uploads whose validation deadline has passed. A hosted service runs it every
/// <see cref="S3UploadsOptions.SweepInterval"/>; call it directly to sweep on demand (e.g. from a scheduled job).
/// </summary>
public interface IUploadSweeper
{
    /// <summary>
    /// Claims expired pending uploads in batches, deletes their objects (multi-object delete, aborting multipart
    /// uploads), and marks them expired, until none is left. It also finishes the object removal of uploads that were
    /// cancelled, rejected or expired by a validation whose own delete failed (S3 down, process killed). Safe to run
    /// concurrently and to re-run after a crash.
    /// </summary>
    /// <param name="cancellationToken">The token to cancel the sweep.</param>
    /// <returns>How many uploads expired, how many could not be deleted this time, and how many ended uploads' objects
    /// were removed.</returns>
    ValueTask<SweepResult> SweepAsync(CancellationToken cancellationToken = default);
}

/// <summary>The result of one sweep.</summary>
/// <param name="Expired">Uploads deleted and marked expired.</param>
/// <param name="Failed">Uploads whose object could not be deleted; they are retried when their claim runs out.</param>
/// <param name="Cleaned">Uploads already ended (cancelled, rejected, or expired by a late validation) whose object the
/// sweeper deleted because the transition that ended them could not.</param>
public readonly record struct SweepResult(int Expired, int Failed, int Cleaned = 0);
