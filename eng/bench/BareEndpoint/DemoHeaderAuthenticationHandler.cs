using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BareEndpoint;

/// <summary>
/// A copy of samples/S3Presign.Sample/DemoHeaderAuthenticationHandler.cs for the benchmark. DEMO ONLY — NEVER USE IN AN APPLICATION. Signs in whoever the <c>X-Demo-User</c> request header names, so that the
/// sample can show per-user uploads without a login page. Anyone can claim any name. No header: anonymous.
/// </summary>
internal sealed class DemoHeaderAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DemoHeader";
    public const string HeaderName = "X-Demo-User";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var name = Request.Headers[HeaderName].ToString().Trim();
        if (name.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (name.Length > 64 || name.Any(char.IsControl))
        {
            return Task.FromResult(AuthenticateResult.Fail("Invalid demo user name."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, name), new Claim(ClaimTypes.Name, name)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
