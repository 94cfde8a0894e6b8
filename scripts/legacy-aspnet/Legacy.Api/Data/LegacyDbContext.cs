using Legacy.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Legacy.Api.Data;

/// <summary>
/// The legacy schema. On SQL Server (production, Azure SQL) this model is the schema's source of truth:
/// its create script is what adapters/mssql/migrations holds. On the PostgreSQL stand-in the tables
/// already exist (adapters/postgres/migrations); only the column types PostgreSQL spells differently
/// are told apart here.
/// Every query sees only the caller's organisation: global query filters scope squads by their
/// organisation and athletes and entries through their squad, so no action can forget the filter.
/// </summary>
public class LegacyDbContext(DbContextOptions<LegacyDbContext> options, CallerOrganisation? caller = null)
    : DbContext(options)
{
    private const string CaseInsensitive = "SQL_Latin1_General_CP1_CI_AS";

    // Read by the query filters each time a query runs, so one model serves every caller. Null only where
    // authentication is not configured (tools, and the test host without an issuer).
    private Guid? CallerOrganisationId => caller?.OrganisationId;
    private bool Unscoped => caller is null || caller.Unscoped;

    public DbSet<Organisation> Organisations => Set<Organisation>();
    public DbSet<Squad> Squads => Set<Squad>();
    public DbSet<Athlete> Athletes => Set<Athlete>();
    public DbSet<WellnessEntry> WellnessEntries => Set<WellnessEntry>();

    private bool IsSqlServer => Database.ProviderName == "Microsoft.EntityFrameworkCore.SqlServer";

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.HasDefaultSchema("dbo");

        model.Entity<Organisation>(e =>
        {
            e.ToTable("Organisations");
            e.HasKey(o => o.OrganisationId).HasName("PK_Organisations");
            Text(e.Property(o => o.Name), 100, required: true);
            Timestamp(e.Property(o => o.CreatedAt));
            VersionColumn(e.Property(o => o.Version));
            e.HasQueryFilter(o => Unscoped || o.OrganisationId == CallerOrganisationId);
        });

        model.Entity<Squad>(e =>
        {
            e.ToTable("Squads");
            e.HasKey(s => s.SquadId).HasName("PK_Squads");
            e.HasOne<Organisation>().WithMany().HasForeignKey(s => s.OrganisationId)
                .HasConstraintName("FK_Squads_Organisations").OnDelete(DeleteBehavior.NoAction);
            e.HasIndex(s => s.OrganisationId).HasDatabaseName("IX_Squads_OrganisationId");
            e.HasQueryFilter(s => Unscoped || s.OrganisationId == CallerOrganisationId);
            Text(e.Property(s => s.Name), 100, required: true);
            Text(e.Property(s => s.Sport), 50, required: true);
            Timestamp(e.Property(s => s.CreatedAt));
            VersionColumn(e.Property(s => s.Version));
        });

        model.Entity<Athlete>(e =>
        {
            e.ToTable("Athletes");
            e.HasKey(a => a.AthleteId).HasName("PK_Athletes");
            Text(e.Property(a => a.FirstName), 100, required: true);
            Text(e.Property(a => a.LastName), 100, required: true);
            Text(e.Property(a => a.Email), 256, required: true);
            e.Property(a => a.DateOfBirth).HasColumnType("date");
            Text(e.Property(a => a.Position), 50, required: false);
            Default(e.Property(a => a.IsActive), IsSqlServer ? "1" : "true");
            Timestamp(e.Property(a => a.CreatedAt));
            Timestamp(e.Property(a => a.UpdatedAt));
            VersionColumn(e.Property(a => a.Version));
            e.HasOne(a => a.Squad).WithMany().HasForeignKey(a => a.SquadId)
                .HasConstraintName("FK_Athletes_Squads").OnDelete(DeleteBehavior.NoAction);
            e.HasQueryFilter(a => Unscoped || a.Squad!.OrganisationId == CallerOrganisationId);
            e.HasIndex(a => a.SquadId).HasDatabaseName("IX_Athletes_SquadId");
            // Case-insensitive through the column's collation on SQL Server (the stand-in indexes lower(rtrim(Email, ' ')), as adapters/postgres/migrations/email-key.ts explains).
            e.HasIndex(a => a.Email).IsUnique().HasDatabaseName("UX_Athletes_Email");
        });

        model.Entity<WellnessEntry>(e =>
        {
            e.ToTable("WellnessEntries", t =>
            {
                foreach (var answer in new[] { "Sleep", "Soreness", "Fatigue", "Stress", "Mood" })
                    t.HasCheckConstraint($"CK_WellnessEntries_{answer}", $"{Quote(answer)} BETWEEN 1 AND 5");
            });
            e.HasKey(w => w.WellnessEntryId).HasName("PK_WellnessEntries");
            e.Property(w => w.EntryDate).HasColumnType("date");
            foreach (var answer in new[] { "Sleep", "Soreness", "Fatigue", "Stress", "Mood" })
                e.Property<byte>(answer).HasColumnType(IsSqlServer ? "tinyint" : "smallint");
            e.Property(w => w.Score).HasPrecision(3, 1);
            Text(e.Property(w => w.Notes), 500, required: false);
            Timestamp(e.Property(w => w.CreatedAt));
            VersionColumn(e.Property(w => w.Version));
            e.HasOne(w => w.Athlete).WithMany().HasForeignKey(w => w.AthleteId)
                .HasConstraintName("FK_WellnessEntries_Athletes").OnDelete(DeleteBehavior.NoAction);
            e.HasQueryFilter(w => Unscoped || w.Athlete!.Squad!.OrganisationId == CallerOrganisationId);
            e.HasIndex(w => new { w.AthleteId, w.EntryDate }).IsUnique()
                .HasDatabaseName("UQ_WellnessEntries_AthleteId_EntryDate");
        });
    }

    private string Quote(string column) => IsSqlServer ? column : $"\"{column}\"";

    private void Text(PropertyBuilder property, int maxLength, bool required)
    {
        property.HasMaxLength(maxLength).IsRequired(required);
        if (IsSqlServer) property.UseCollation(CaseInsensitive);
        else property.HasColumnType($"varchar({maxLength})");
    }

    // datetime2(7) in UTC by convention; PostgreSQL keeps microseconds (timestamp(6)).
    private void Timestamp(PropertyBuilder<DateTime> property)
    {
        property.HasColumnType(IsSqlServer ? "datetime2(7)" : "timestamp(6)");
        Default(property, IsSqlServer ? "SYSUTCDATETIME()" : "(now() AT TIME ZONE 'UTC')");
    }

    private static void VersionColumn(PropertyBuilder<long> property) =>
        Default(property, "1");

    // The defaults are for other writers of these tables (scripts, the DBA); the API always sets the
    // value itself, so EF must send it even when it equals the CLR default.
    private static void Default<T>(PropertyBuilder<T> property, string sql) =>
        property.HasDefaultValueSql(sql).ValueGeneratedNever();
}
