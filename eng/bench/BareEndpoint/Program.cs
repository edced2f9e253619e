using System.Text.Json;

// Answers every POST /uploads with the JSON in BARE_RESPONSE_FILE (a response the sample gave), re-serialized per
// request, after binding the request body like the sample's endpoint does.
var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();
var file = Environment.GetEnvironmentVariable("BARE_RESPONSE_FILE")
    ?? throw new InvalidOperationException("Set BARE_RESPONSE_FILE to the JSON to answer with.");
var response = JsonDocument.Parse(File.ReadAllText(file)).RootElement.Clone();

app.MapPost("/uploads", (IssueBody body) => TypedResults.Json(response, statusCode: StatusCodes.Status201Created));
app.Run();

/// <summary>The sample's issue request body.</summary>
internal sealed record IssueBody(string FileName, string ContentType, long? Size);
