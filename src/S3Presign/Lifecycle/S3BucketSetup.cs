using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using S3Presign.S3;

namespace S3Presign.Lifecycle;

/// <summary>
/// One-time bucket set-up: creating the bucket, and installing the lifecycle safety net that removes pending objects
/// even when the pending-upload store is lost (invariant I2). Every method is idempotent and keeps the bucket's
/// other rules.
/// </summary>
public sealed partial class S3BucketSetup
{
    /// <summary>The id of the lifecycle rule that expires objects still carrying the pending marker.</summary>
    public const string PendingExpiryRuleId = "s3presign-expire-pending";

    /// <summary>The id of the lifecycle rule that aborts incomplete multipart uploads.</summary>
    public const string AbortMultipartRuleId = "s3presign-abort-multipart";

    /// <summary>The tag key every issued upload carries until it is validated.</summary>
    public const string PendingTagKey = S3Gateway.PendingTagKey;

    private readonly S3Gateway _s3;
    private readonly IOptionsMonitor<S3UploadsOptions> _options;

    internal S3BucketSetup(S3Gateway s3, IOptionsMonitor<S3UploadsOptions> options)
    {
        _s3 = s3;
        _options = options;
    }

    /// <summary>Creates the configured bucket if it does not exist.</summary>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the bucket was created.</returns>
    public async Task<bool> EnsureBucketAsync(CancellationToken cancellationToken = default)
    {
        var bucket = _options.CurrentValue.Bucket;
        try
        {
            await _s3.ExecuteAsync((s3, t) => s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, t), cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            return false;
        }
    }

    /// <summary>
    /// Installs (or updates) two lifecycle rules: expire objects tagged with the pending marker after
    /// <paramref name="expirePendingAfterDays"/> days, and abort incomplete multipart uploads under the key prefix after
    /// <paramref name="abortIncompleteMultipartAfterDays"/> days. Rules with other ids are kept as they are; a
    /// configuration that cannot be read back is never overwritten (an <see cref="InvalidOperationException"/> says so).
    /// Both periods must be longer than <see cref="S3UploadsOptions.PendingTtl"/>, so that the net never removes an
    /// upload that is still in time to be validated (an <see cref="ArgumentOutOfRangeException"/> says so).
    /// </summary>
    /// <param name="expirePendingAfterDays">Days after which a never-validated object is deleted (at least 1).</param>
    /// <param name="abortIncompleteMultipartAfterDays">Days after which an incomplete multipart upload is aborted (at least 1).</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the bucket's configuration changed.</returns>
    public async Task<bool> EnsureLifecycleSafetyNetAsync(
        int expirePendingAfterDays = 1,
        int abortIncompleteMultipartAfterDays = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expirePendingAfterDays, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(abortIncompleteMultipartAfterDays, 1);
        var settings = _options.CurrentValue;

        // S3 expires an object N days after its creation at the earliest (rounded up to the next midnight UTC); an
        // upload still in time to be validated must never be removed by the net, nor a multipart upload still in time
        // to be completed be aborted.
        var net = TimeSpan.FromDays(Math.Min(expirePendingAfterDays, abortIncompleteMultipartAfterDays));
        if (settings.PendingTtl >= net)
        {
            throw new ArgumentOutOfRangeException(
                expirePendingAfterDays <= abortIncompleteMultipartAfterDays ? nameof(expirePendingAfterDays) : nameof(abortIncompleteMultipartAfterDays),
                $"The lifecycle safety net ({net.TotalDays:0} day(s)) must be longer than {S3UploadsOptions.SectionName}:PendingTtl " +
                $"({settings.PendingTtl.ToString("c", System.Globalization.CultureInfo.InvariantCulture)}), or it would delete uploads " +
                "that are still in time to be validated.");
        }

        var prefix = string.IsNullOrEmpty(settings.KeyPrefix) ? string.Empty : settings.KeyPrefix + "/";

        var existing = await GetRulesAsync(settings.Bucket, cancellationToken).ConfigureAwait(false);
        var pendingTag = new Tag { Key = S3Gateway.PendingTagKey, Value = S3Gateway.PendingTagValue };
        var expireRule = new LifecycleRule
        {
            Id = PendingExpiryRuleId,
            Status = LifecycleRuleStatus.Enabled,
            // Tag only, no prefix: the marker is the library's own, and Ceph RGW returns And-filters in a shape
            // AWSSDK cannot read back, which would make the next merge impossible.
            Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecycleTagPredicate { Tag = pendingTag } },
            Expiration = new LifecycleRuleExpiration { Days = expirePendingAfterDays },
        };
        var abortRule = new LifecycleRule
        {
            Id = AbortMultipartRuleId,
            Status = LifecycleRuleStatus.Enabled,
            Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = prefix } },
            AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload
            {
                DaysAfterInitiation = abortIncompleteMultipartAfterDays,
            },
        };

        if (existing.Any(r => r.Id == PendingExpiryRuleId && SameExpiry(r, expirePendingAfterDays))
            && existing.Any(r => r.Id == AbortMultipartRuleId && SameAbort(r, abortIncompleteMultipartAfterDays, prefix)))
        {
            return false;
        }

        var rules = existing.Where(r => r.Id is not (PendingExpiryRuleId or AbortMultipartRuleId)).ToList();
        rules.Add(expireRule);
        rules.Add(abortRule);
        await _s3.ExecuteAsync(
            (s3, t) => s3.PutLifecycleConfigurationAsync(
                new PutLifecycleConfigurationRequest
                {
                    BucketName = settings.Bucket,
                    Configuration = new LifecycleConfiguration { Rules = rules },
                },
                t),
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<List<LifecycleRule>> GetRulesAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.ExecuteAsync(
                (s3, t) => s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket }, t),
                cancellationToken).ConfigureAwait(false);
            return response.Configuration?.Rules ?? [];
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode == "NoSuchLifecycleConfiguration")
        {
            return [];
        }
        catch (Amazon.Runtime.AmazonUnmarshallingException e)
        {
            // Never replace rules we cannot read: that would silently drop the application's own rules.
            throw new InvalidOperationException(
                $"The lifecycle configuration of bucket '{bucket}' cannot be read back by AWSSDK (Ceph RGW returns " +
                "'And' filters flattened), so the S3Presign rules were not merged into it. Add the rules " +
                $"'{PendingExpiryRuleId}' (expire objects tagged {S3Gateway.PendingTagging}) and '{AbortMultipartRuleId}' by hand.", e);
        }
    }

    private static bool SameExpiry(LifecycleRule rule, int days) =>
        rule.Status == LifecycleRuleStatus.Enabled
        && rule.Expiration?.Days == days
        && rule.Filter?.LifecycleFilterPredicate is LifecycleTagPredicate tag
        && IsPendingTag(tag.Tag);

    private static bool SameAbort(LifecycleRule rule, int days, string prefix) =>
        rule.Status == LifecycleRuleStatus.Enabled
        && rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation == days
        && (rule.Filter?.LifecycleFilterPredicate as LifecyclePrefixPredicate)?.Prefix is var p
        && (p ?? string.Empty) == prefix;

    private static bool IsPendingTag(Tag? tag) =>
        tag is { Key: S3Gateway.PendingTagKey, Value: S3Gateway.PendingTagValue };
}
