using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace Legacy.Api.Infrastructure;

/// <summary>The scopes and role the actions ask for, by policy name.</summary>
public static class Policies
{
    public const string AthletesRead = "athletes:read";
    public const string AthletesWrite = "athletes:write";
    public const string AthletesDelete = "athletes:delete";
    public const string WellnessRead = "wellness:read";
    public const string WellnessWrite = "wellness:write";

    /// <summary>Deleting an athlete takes the write scope and this role.</summary>
    public const string DeleteRole = "coach";
}

/// <summary>
/// `Auth:Authority` (the OpenID Connect issuer), `Auth:Audience`, `Auth:RequireHttpsMetadata` (false only
/// for a local issuer), `Auth:OrganisationClaim` (default org_id) and `Auth:RoleClaim` (default roles, as
/// Entra ID names app roles). Without an authority the API runs open and unscoped, as tools need it.
/// </summary>
public sealed record AuthenticationSettings(
    string? Authority, string? Audience, bool RequireHttpsMetadata, string OrganisationClaim, string RoleClaim)
{
    public bool Enabled => Authority is not null;

    public static AuthenticationSettings From(IConfiguration configuration)
    {
        var auth = configuration.GetSection("Auth");
        return new(
            auth["Authority"],
            auth["Audience"],
            auth.GetValue("RequireHttpsMetadata", true),
            auth["OrganisationClaim"] ?? "org_id",
            auth["RoleClaim"] ?? "roles");
    }
}

public static class Authentication
{
    public static IServiceCollection AddLegacyAuthentication(
        this IServiceCollection services, IConfiguration configuration)
    {
        var settings = AuthenticationSettings.From(configuration);
        services.AddSingleton(settings);
        services.AddHttpContextAccessor();
        services.AddScoped<CallerOrganisation>();
        services.AddAuthorization(options => AddPolicies(options, settings));
        if (!settings.Enabled) return services;
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.Authority = settings.Authority;
            options.Audience = settings.Audience
                ?? throw new InvalidOperationException("Auth:Audience must be set with Auth:Authority.");
            options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            // Claims keep the names the issuer gave them (no mapping to the WS-* URIs).
            options.MapInboundClaims = false;
            options.TokenValidationParameters.NameClaimType = "sub";
            options.TokenValidationParameters.RoleClaimType = settings.RoleClaim;
        });
        return services;
    }

    private static void AddPolicies(AuthorizationOptions options, AuthenticationSettings settings)
    {
        void Add(string name, string scope, string? role = null) => options.AddPolicy(name, policy =>
        {
            if (!settings.Enabled)
            {
                policy.RequireAssertion(_ => true);
                return;
            }
            // A token without a usable organisation is refused like one without the scope.
            policy.RequireAuthenticatedUser().RequireAssertion(context =>
                Guid.TryParse(context.User.FindFirst(settings.OrganisationClaim)?.Value, out _)
                && HasScope(context.User, scope));
            if (role is not null) policy.RequireRole(role);
        });
        Add(Policies.AthletesRead, Policies.AthletesRead);
        Add(Policies.AthletesWrite, Policies.AthletesWrite);
        Add(Policies.AthletesDelete, Policies.AthletesWrite, Policies.DeleteRole);
        Add(Policies.WellnessRead, Policies.WellnessRead);
        Add(Policies.WellnessWrite, Policies.WellnessWrite);
    }

    // OAuth scopes arrive space-separated, as `scope` (RFC 8693, Auth0) or `scp` (Entra ID).
    private static bool HasScope(System.Security.Claims.ClaimsPrincipal user, string scope) =>
        user.FindAll(c => c.Type is "scope" or "scp")
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(scope, StringComparer.Ordinal);
}
