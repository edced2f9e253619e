namespace S3Presign.Storage;

/// <summary>
/// Filters for listing one owner's uploads. Unset members do not filter.
/// </summary>
public sealed record UploadQuery
{
    /// <summary>Gets the owner whose uploads are listed. Required.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the status to match.</summary>
    public UploadStatus? Status { get; init; }

    /// <summary>Gets whether records in <see cref="UploadStatus.Deleted"/> are listed when <see cref="Status"/> is unset.</summary>
    /// <value>Defaults to <see langword="false"/>: a deleted upload looks like one that never existed.</value>
    public bool IncludeDeleted { get; init; }

    /// <summary>Gets a text the original file name must contain (case-insensitive).</summary>
    public string? FileNameContains { get; init; }

    /// <summary>Gets the smallest size (declared or validated), inclusive.</summary>
    public long? MinSize { get; init; }

    /// <summary>Gets the largest size (declared or validated), inclusive.</summary>
    public long? MaxSize { get; init; }

    /// <summary>Gets the earliest creation time, inclusive.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Gets the latest creation time, exclusive.</summary>
    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Gets the maximum number of records returned (newest first).</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Returns whether <paramref name="record"/> satisfies this query.</summary>
    /// <param name="record">The record to test.</param>
    /// <returns><see langword="true"/> when every set filter matches.</returns>
    public bool Matches(UploadRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!string.Equals(record.Owner, Owner, StringComparison.Ordinal)) return false;
        if (Status is { } status ? record.Status != status : record.Status == UploadStatus.Deleted && !IncludeDeleted) return false;
        if (!string.IsNullOrEmpty(FileNameContains)
            && !record.FileName.Contains(FileNameContains, StringComparison.OrdinalIgnoreCase)) return false;
        var size = record.Size ?? record.DeclaredSize;
        if (MinSize is { } min && (size is null || size < min)) return false;
        if (MaxSize is { } max && (size is null || size > max)) return false;
        if (CreatedFrom is { } from && record.CreatedAt < from) return false;
        if (CreatedTo is { } to && record.CreatedAt >= to) return false;
        return true;
    }
}
