using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace Legacy.Api.Tests;

/// <summary>
/// Answers that [ApiController] gives before an action runs, so no database is needed: these pin the
/// framework behaviour strangler's new handlers reproduce (contract-tests/ hold the recorded whole).
/// </summary>
public class ModelBindingTests : IClassFixture<WebApplicationFactory<Program>>
{
    private readonly HttpClient _client;

    public ModelBindingTests(WebApplicationFactory<Program> factory)
    {
        _client = factory.WithWebHostBuilder(host =>
        {
            host.UseSetting("Legacy:Provider", "Npgsql");
            host.UseSetting("ConnectionStrings:Legacy", "Host=127.0.0.1;Port=1;Database=none");
        }).CreateClient();
    }

    private async Task<JsonElement> Errors(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.GetProperty("errors");
    }

    [Fact]
    public async Task ReportsModelStateKeysBreadthFirstShortestFirst()
    {
        var response = await _client.PostAsync("/api/athletes",
            new StringContent("""{"SquadId":null,"LastName":"","Email":"x","DateOfBirth":null}""", Encoding.UTF8, "application/json"));
        var keys = (await Errors(response)).EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["Email", "SquadId", "LastName", "FirstName", "DateOfBirth"], keys);
    }

    [Fact]
    public async Task NamesTheReaderPositionOfAValueThatCannotConvert()
    {
        var response = await _client.PostAsync("/api/athletes",
            new StringContent("{\n  \"SquadId\": 5\n}", Encoding.UTF8, "application/json"));
        var message = (await Errors(response)).GetProperty("$.SquadId")[0].GetString();
        Assert.Equal("The JSON value could not be converted to System.Nullable`1[System.Guid]. " +
            "Path: $.SquadId | LineNumber: 1 | BytePositionInLine: 14.", message);
    }

    [Fact]
    public async Task ABlankNonNullableQueryValueIsInvalid()
    {
        var errors = await Errors(await _client.GetAsync("/api/athletes?page=%20"));
        Assert.Equal("The value ' ' is invalid.", errors.GetProperty("page")[0].GetString());
    }

    [Fact]
    public async Task RefusesAnythingButJsonWith415()
    {
        var response = await _client.PostAsync("/api/athletes", new StringContent("{}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task ARouteValueThatIsNoGuidMatchesNoEndpoint()
    {
        var response = await _client.GetAsync("/api/athletes/not-a-guid");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
