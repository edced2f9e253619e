namespace S3Presign.Storage;

/// <summary>
/// The states of an upload's lifecycle.
/// </summary>
/// <remarks>
/// <see cref="Pending"/> is the only state with outgoing transitions besides <see cref="Validated"/> → <see cref="Deleted"/>;
/// <see cref="Rejected"/>, <see cref="Expired"/> and <see cref="Deleted"/> are final.
/// </remarks>
public enum UploadStatus
{
    /// <summary>Issued and waiting for the client to upload and validate it.</summary>
    Pending = 0,

    /// <summary>The object was checked and accepted; the application owns it.</summary>
    Validated = 1,

    /// <summary>The object broke a validation rule and was deleted.</summary>
    Rejected = 2,

    /// <summary>The validation deadline passed; the object (if any) was deleted.</summary>
    Expired = 3,

    /// <summary>Cancelled while pending, or deleted after validation; the object was deleted.</summary>
    Deleted = 4,
}
