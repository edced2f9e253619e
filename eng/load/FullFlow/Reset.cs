using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Npgsql;

namespace FullFlow;

/// <summary>Drops the uploads table and empties the bucket, so that a run's checks see its own uploads only.</summary>
internal static class Reset
{
    public static async Task<int> RunAsync(Arguments args)
    {
        await using (var connection = new NpgsqlConnection(args.Required("pg")))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand("DROP TABLE IF EXISTS s3_uploads", connection);
            await drop.ExecuteNonQueryAsync();
        }

        using var s3 = args.S3Client();
        var bucket = args.Required("bucket");
        int objects = 0, multipart = 0;
        try
        {
            string? token = null;
            do
            {
                var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
                var keys = (page.S3Objects ?? []).Select(o => new KeyVersion { Key = o.Key }).ToList();
                if (keys.Count > 0)
                {
                    await s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = keys, Quiet = true });
                    objects += keys.Count;
                }

                // Deleting changes the listing; start over until a page comes back empty.
                token = null;
                if (keys.Count == 0)
                {
                    break;
                }
            }
            while (true);

            foreach (var upload in await Checks.ListMultipartAsync(s3, bucket))
            {
                await s3.AbortMultipartUploadAsync(bucket, upload.Key, upload.UploadId);
                multipart++;
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // No bucket yet: the samples create it.
        }

        Console.Error.WriteLine($"FullFlow reset: dropped s3_uploads, deleted {objects} objects and aborted {multipart} multipart uploads in {bucket}");
        return 0;
    }
}
