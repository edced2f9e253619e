using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace S3Presign.Tests.Fakes;

/// <summary>
/// An in-memory stand-in for the handful of <see cref="IAmazonS3"/> calls the library makes, for fast unit tests of
/// the state machine. The promises themselves are proven against Ceph RGW in the integration tests.
/// </summary>
public class FakeS3 : DispatchProxy
{
    public ConcurrentDictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);

    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Called before each operation; throw to inject a fault.</summary>
    public Func<string, Exception?>? Fault { get; set; }

    public static (IAmazonS3 Client, FakeS3 State) Create()
    {
        var client = Create<IAmazonS3, FakeS3>();
        return (client, (FakeS3)(object)client);
    }

    public void Put(string key, byte[] content, string contentType, bool pending = true) =>
        Objects[key] = new StoredObject(content, contentType, pending);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var method = targetMethod;
        args ??= [];
        if (method.Name == "get_Config")
        {
            return new AmazonS3Config { ServiceURL = "http://fake-s3.test", ForcePathStyle = true };
        }

        if (method.Name == "Dispose")
        {
            return null;
        }

        Interlocked.Increment(ref _calls);
        if (Fault?.Invoke(method.Name) is { } fault)
        {
            return FromException(method, fault);
        }

        try
        {
            return method.Name switch
            {
                "GetPreSignedURL" => PresignedUrl((GetPreSignedUrlRequest)args[0]!),
                "GetObjectMetadataAsync" => Task.FromResult(Head((GetObjectMetadataRequest)args[0]!)),
                "GetObjectAsync" => Task.FromResult(Get((GetObjectRequest)args[0]!)),
                "DeleteObjectTaggingAsync" => Task.FromResult(Untag((DeleteObjectTaggingRequest)args[0]!)),
                "DeleteObjectAsync" => Task.FromResult(Delete((DeleteObjectRequest)args[0]!)),
                "DeleteObjectsAsync" => Task.FromResult(DeleteMany((DeleteObjectsRequest)args[0]!)),
                "AbortMultipartUploadAsync" => Task.FromResult(new AbortMultipartUploadResponse()),
                _ => throw new NotSupportedException($"FakeS3 does not implement {method.Name}."),
            };
        }
        catch (AmazonS3Exception e)
        {
            return FromException(method, e);
        }
    }

    private static object FromException(MethodInfo method, Exception exception)
    {
        if (!typeof(Task).IsAssignableFrom(method.ReturnType))
        {
            throw exception;
        }

        var resultType = method.ReturnType.GetGenericArguments()[0];
        var source = Activator.CreateInstance(typeof(TaskCompletionSource<>).MakeGenericType(resultType))!;
        source.GetType().GetMethod("SetException", [typeof(Exception)])!.Invoke(source, [exception]);
        return source.GetType().GetProperty("Task")!.GetValue(source)!;
    }

    private static string PresignedUrl(GetPreSignedUrlRequest request) =>
        $"http://fake-s3.test/{request.BucketName}/{Uri.EscapeDataString(request.Key).Replace("%2F", "/", StringComparison.Ordinal)}?X-Amz-Signature=fake";

    private StoredObject Find(string key) =>
        Objects.TryGetValue(key, out var stored)
            ? stored
            : throw new AmazonS3Exception("Not Found") { StatusCode = HttpStatusCode.NotFound, ErrorCode = "NoSuchKey" };

    private GetObjectMetadataResponse Head(GetObjectMetadataRequest request)
    {
        var stored = Find(request.Key);
        var response = new GetObjectMetadataResponse
        {
            ContentLength = stored.Content.Length,
            ETag = "\"" + Convert.ToHexStringLower(MD5.HashData(stored.Content)) + "\"",
        };
        response.Headers.ContentType = stored.ContentType;
        return response;
    }

    private GetObjectResponse Get(GetObjectRequest request)
    {
        var content = Find(request.Key).Content;
        if (request.ByteRange is { } range)
        {
            content = content[(int)range.Start..(int)Math.Min(range.End + 1, content.Length)];
        }

        return new GetObjectResponse { ResponseStream = new MemoryStream(content), ContentLength = content.Length };
    }

    private DeleteObjectTaggingResponse Untag(DeleteObjectTaggingRequest request)
    {
        var stored = Find(request.Key);
        Objects.TryUpdate(request.Key, stored with { Pending = false }, stored);
        return new DeleteObjectTaggingResponse();
    }

    private DeleteObjectResponse Delete(DeleteObjectRequest request)
    {
        Objects.TryRemove(request.Key, out _);
        return new DeleteObjectResponse();
    }

    private DeleteObjectsResponse DeleteMany(DeleteObjectsRequest request)
    {
        if (request.Objects.Count > 1000)
        {
            throw new AmazonS3Exception("MalformedXML") { StatusCode = HttpStatusCode.BadRequest, ErrorCode = "MalformedXML" };
        }

        foreach (var key in request.Objects)
        {
            Objects.TryRemove(key.Key, out _);
        }

        return new DeleteObjectsResponse();
    }
}

public sealed record StoredObject(byte[] Content, string ContentType, bool Pending);
