// The README's quick start, runnable: issue → PUT (as a client would, with plain HTTP) → validate.
// Configuration: the S3Uploads section (appsettings, or environment variables such as S3Uploads__ServiceUrl) and
// the AWS SDK's credential chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Validation;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddS3Uploads(o => o.AllowedContentTypes.Add("image/*"));   // + the "S3Uploads" config section
using var app = builder.Build();
await app.Services.GetRequiredService<S3BucketSetup>().EnsureBucketAsync();
var userId = "demo-user";

var issuer = app.Services.GetRequiredService<IUploadUrlIssuer>();
var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==");
var issued = await issuer.IssueAsync(new UploadRequest
{
    Owner = userId, FileName = "Résumé (final).png", ContentType = "image/png", Size = png.Length,
});
if (!issued.Succeeded)
{
    Console.Error.WriteLine($"refused: {issued.Error.Code}: {issued.Error.Message}");
    return 1;
}

Console.WriteLine($"issued  {issued.Upload.Id} → {issued.Upload.FileKey}");

// The client's part: PUT the bytes with exactly the returned headers.
using var http = new HttpClient();
using var put = new HttpRequestMessage(HttpMethod.Put, issued.Upload.UploadUrl) { Content = new ByteArrayContent(png) };
foreach (var (name, value) in issued.Upload.Headers)
{
    if (!put.Headers.TryAddWithoutValidation(name, value))
    {
        put.Content.Headers.TryAddWithoutValidation(name, value);
    }
}

using var response = await http.SendAsync(put);
Console.WriteLine($"PUT     {(int)response.StatusCode}");

var result = await app.Services.GetRequiredService<IUploadValidator>().ValidateAsync(issued.Upload!.Id, userId);
if (result.Succeeded) { /* attach result.Upload.Key to your records */ }
Console.WriteLine($"validate {result.Outcome} {result.Upload?.Key} {result.Error?.Code}");
return result.Succeeded ? 0 : 2;
