using Microsoft.EntityFrameworkCore;

namespace Legacy.Api.Infrastructure;

public static class UniqueViolation
{
    /// <summary>
    /// Two concurrent writers both pass the existence check; the unique index stops the second. SQL Server
    /// reports error 2627 (unique constraint) or 2601 (unique index), PostgreSQL SQLSTATE 23505.
    /// </summary>
    public static bool Is(DbUpdateException error) => error.InnerException switch
    {
        Microsoft.Data.SqlClient.SqlException { Number: 2627 or 2601 } => true,
        Npgsql.PostgresException { SqlState: "23505" } => true,
        _ => false,
    };
}
