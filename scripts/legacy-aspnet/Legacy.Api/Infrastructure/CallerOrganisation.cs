namespace Legacy.Api.Infrastructure;

/// <summary>
/// The organisation of the caller of the current request, read from the verified token's organisation
/// claim. The data context filters every query by it.
/// </summary>
public sealed class CallerOrganisation(IHttpContextAccessor http, AuthenticationSettings settings)
{
    /// <summary>Without an issuer configured nobody is authenticated, and nothing is scoped.</summary>
    public bool Unscoped => !settings.Enabled;

    public Guid? OrganisationId =>
        Guid.TryParse(http.HttpContext?.User.FindFirst(settings.OrganisationClaim)?.Value, out var id) ? id : null;
}
