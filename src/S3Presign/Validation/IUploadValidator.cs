using S3Presign.Storage;

namespace S3Presign.Validation;

/// <summary>
/// Checks an uploaded object against what was issued and moves the upload to Validated or Rejected.
/// </summary>
public interface IUploadValidator
{
    /// <summary>
    /// Validates the upload <paramref name="id"/> of <paramref name="owner"/>. Idempotent: validating a validated upload
    /// returns the same success; a rejected one returns the same rejection.
    /// </summary>
    /// <param name="id">The upload id.</param>
    /// <param name="owner">The caller; another owner's upload is reported as <see cref="UploadValidationOutcome.NotFound"/>.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The outcome, with the upload's record when it exists.</returns>
    ValueTask<UploadValidationResult> ValidateAsync(string id, string owner, CancellationToken cancellationToken = default);
}

/// <summary>The outcomes of a validation.</summary>
public enum UploadValidationOutcome
{
    /// <summary>The object is what was promised; the upload is validated.</summary>
    Validated,

    /// <summary>No object is there yet; the upload stays pending.</summary>
    NotUploaded,

    /// <summary>The object broke a rule and was deleted; <see cref="UploadValidationResult.Error"/> says which.</summary>
    Rejected,

    /// <summary>The validation deadline passed; the object was deleted.</summary>
    Expired,

    /// <summary>No upload with this id exists for this owner.</summary>
    NotFound,
}

/// <summary>The result of <see cref="IUploadValidator.ValidateAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Upload">The upload's record after validation; <see langword="null"/> for <see cref="UploadValidationOutcome.NotFound"/>.</param>
/// <param name="Error">Why it did not validate; <see langword="null"/> for <see cref="UploadValidationOutcome.Validated"/>.</param>
public sealed record UploadValidationResult(UploadValidationOutcome Outcome, UploadRecord? Upload, UploadError? Error)
{
    /// <summary>Gets whether the upload is validated.</summary>
    public bool Succeeded => Outcome == UploadValidationOutcome.Validated;
}
