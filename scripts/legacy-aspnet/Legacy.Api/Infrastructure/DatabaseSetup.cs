using Legacy.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Legacy.Api.Infrastructure;

/// <summary>
/// Which database the API talks to. Production is SQL Server (Azure SQL): `Legacy:Provider` SqlServer
/// and `ConnectionStrings:Legacy`. `Npgsql` runs the same model on the PostgreSQL stand-in database that
/// has the same dbo tables, for machines without SQL Server.
/// </summary>
public static class DatabaseSetup
{
    public static string Provider(IConfiguration configuration) =>
        configuration["Legacy:Provider"] ?? "SqlServer";

    public static void Configure(DbContextOptionsBuilder options, string provider, string connectionString)
    {
        switch (provider)
        {
            case "SqlServer":
                options.UseSqlServer(connectionString, sql => sql.EnableRetryOnFailure());
                break;
            case "Npgsql":
                options.UseNpgsql(connectionString);
                break;
            default:
                throw new InvalidOperationException(
                    $"Legacy:Provider must be SqlServer or Npgsql (got '{provider}').");
        }
    }

    public static IServiceCollection AddLegacyDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = Provider(configuration);
        var connectionString = configuration.GetConnectionString("Legacy")
            ?? throw new InvalidOperationException("ConnectionStrings:Legacy is not set.");
        services.AddDbContext<LegacyDbContext>(options => Configure(options, provider, connectionString));

        var fixedNow = configuration["Legacy:FixedUtcNow"];
        TimeProvider time = fixedNow is null
            ? TimeProvider.System
            : new FixedTimeProvider(DateTimeOffset.Parse(fixedNow, System.Globalization.CultureInfo.InvariantCulture));
        // datetime2(7) keeps 100 ns ticks; PostgreSQL's timestamp keeps microseconds.
        services.AddSingleton(new Clock(time, provider == "Npgsql" ? TimeSpan.TicksPerMicrosecond : 1));
        return services;
    }

    /// <summary>The CREATE script of the model for one provider (no connection is opened).</summary>
    public static string CreateScript(string provider)
    {
        var options = new DbContextOptionsBuilder<LegacyDbContext>();
        Configure(options, provider, provider == "SqlServer" ? "Server=.;Database=Legacy" : "Host=localhost");
        using var db = new LegacyDbContext(options.Options);
        return db.Database.GenerateCreateScript();
    }
}
