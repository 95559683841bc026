using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Tests.EventSourcing;

public sealed class CanonicalJsonTests(EventStoreDatabase db) : IClassFixture<EventStoreDatabase>
{
    [Fact]
    public async Task The_canonical_form_survives_a_round_trip_through_jsonb_for_random_documents()
    {
        var random = new Random(1121);
        var documents = Enumerable.Range(0, 400).Select(_ => RandomValue(random, depth: 0)?.ToJsonString() ?? "null").ToArray();
        documents = [.. documents, """{"b":1,"a":2,"b":3}""", """{"n":[1E2,1.50,-0,0.0,-0.0,1e-3,12345678901234567890]}""", "\"tab\\tline\\nquote\\\"slash\\/\"", """{"é":"é","\u00e9x":1}"""];

        await using var cmd = db.DataSource.CreateCommand("select d::jsonb::text from unnest($1) as d");
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = documents, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var stored = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) stored.Add(reader.GetString(0));

        stored.Count.ShouldBe(documents.Length);
        for (var i = 0; i < documents.Length; i++)
            CanonicalJson.ToText(stored[i]).ShouldBe(CanonicalJson.ToText(documents[i]), $"document {documents[i]} stored as {stored[i]}");
    }

    [Fact]
    public void Different_content_has_different_canonical_forms()
    {
        CanonicalJson.ToText("""{"a":1.5}""").ShouldNotBe(CanonicalJson.ToText("""{"a":1.50}"""));
        CanonicalJson.ToText("""{"a":"1"}""").ShouldNotBe(CanonicalJson.ToText("""{"a":1}"""));
        CanonicalJson.ToText("""[1,2]""").ShouldNotBe(CanonicalJson.ToText("""[2,1]"""));
        CanonicalJson.ToText("""{ "b" : 1, "a" : [ true, null ] }""").ShouldBe("""{"a":[true,null],"b":1}""");
    }

    private static JsonNode? RandomValue(Random random, int depth)
    {
        switch (random.Next(depth > 3 ? 5 : 7))
        {
            case 0: return JsonValue.Create(RandomString(random));
            case 1: return JsonValue.Create(random.Next(-1_000_000, 1_000_000));
            case 2: return JsonValue.Create(Math.Round((decimal)random.NextDouble() * 1000, random.Next(0, 6)));
            case 3: return JsonValue.Create(random.Next(2) == 0);
            case 4: return JsonNode.Parse(random.Next(3) == 0 ? "null" : (random.NextDouble() * Math.Pow(10, random.Next(-5, 12))).ToString("R", CultureInfo.InvariantCulture));
            case 5:
                var array = new JsonArray();
                for (var i = random.Next(4); i > 0; i--) array.Add(RandomValue(random, depth + 1));
                return array;
            default:
                var obj = new JsonObject();
                for (var i = random.Next(5); i > 0; i--) obj[RandomString(random)] = RandomValue(random, depth + 1);
                return obj;
        }
    }

    private static string RandomString(Random random)
    {
        const string alphabet = "abcAZ09 _-\"\\/\t\n<>&'éÅΩ漢字😀\u0001\u001f\u2028";
        var builder = new StringBuilder();
        var length = random.Next(0, 8);
        for (var i = 0; i < length; i++)
        {
            var c = alphabet[random.Next(alphabet.Length)];
            if (char.IsHighSurrogate(c) || char.IsLowSurrogate(c)) { builder.Append("😀"); continue; }
            builder.Append(c);
        }
        return builder.ToString();
    }
}
