using Legacy.Api.Infrastructure;

// `--schema-script SqlServer|Npgsql` prints the model's CREATE script and exits (no database needed).
if (args is ["--schema-script", var scriptProvider])
{
    Console.Write(DatabaseSetup.CreateScript(scriptProvider));
    return;
}

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddControllers()
    // The API has always written PascalCase members, as the C# properties are named.
    .AddJsonOptions(options => options.JsonSerializerOptions.PropertyNamingPolicy = null);
builder.Services.AddLegacyDatabase(builder.Configuration);
builder.Services.AddLegacyAuthentication(builder.Configuration);

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapControllers();
app.Run();

// The entry point, named for WebApplicationFactory in Legacy.Api.Tests.
public partial class Program;
