using Legacy.Api.Infrastructure;
using Xunit;

namespace Legacy.Api.Tests;

public class SchemaScriptTests
{
    [Fact]
    public void SqlServerScriptDeclaresTheLegacyTablesWithTheirCollationAndChecks()
    {
        var script = DatabaseSetup.CreateScript("SqlServer");
        Assert.Contains("CREATE TABLE [dbo].[Squads]", script);
        Assert.Contains("[Email] nvarchar(256) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL", script);
        Assert.Contains("[Score] decimal(3,1) NOT NULL", script);
        Assert.Contains("CONSTRAINT [CK_WellnessEntries_Sleep] CHECK (Sleep BETWEEN 1 AND 5)", script);
        Assert.Contains("CREATE UNIQUE INDEX [UX_Athletes_Email] ON [dbo].[Athletes] ([Email])", script);
    }

    [Fact]
    public void NpgsqlScriptUsesTheStandInsColumnTypes()
    {
        var script = DatabaseSetup.CreateScript("Npgsql");
        Assert.Contains("\"CreatedAt\" timestamp(6) without time zone NOT NULL", script);
        Assert.Contains("\"Sleep\" smallint NOT NULL", script);
        Assert.Contains("\"Name\" varchar(100) NOT NULL", script);
    }
}
