using System.Text.Json.Serialization;

namespace S3Presign.EntityFrameworkCore.Storage;

/// <summary>Source-generated (trimming-safe) JSON for the metadata column.</summary>
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class MetadataJsonContext : JsonSerializerContext;
