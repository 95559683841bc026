using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ppid.Platform.EventSourcing;

/// <summary>
/// The canonical form of a JSON value that event hashes cover. PostgreSQL's jsonb rewrites
/// key order, whitespace, duplicate keys, string escapes and number spellings (1E2 becomes 100),
/// so we hash a form that is the same before storage and after reading back:
/// object keys sorted by ordinal UTF-16 order (last duplicate wins, as in jsonb), no whitespace,
/// strings escaped minimally, numbers as normalized decimals where they fit.
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    public static byte[] ToBytes(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ToBytes(document.RootElement);
    }

    public static byte[] ToBytes(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, element);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static string ToText(string json) => Encoding.UTF8.GetString(ToBytes(json));

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject()) properties[property.Name] = property.Value;
                writer.WriteStartObject();
                foreach (var key in properties.Keys.Order(StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, properties[key]);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) Write(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                WriteNumber(writer, element);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            case JsonValueKind.Null:
                writer.WriteNullValue();
                break;
            default:
                throw new InvalidOperationException($"Unexpected JSON value kind {element.ValueKind}.");
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, JsonElement element)
    {
        var raw = element.GetRawText();
        // jsonb stores numbers as numeric: exponents are expanded, trailing zeros of the
        // fraction are kept (1.50 stays 1.50), -0 becomes 0. decimal.Parse does the same.
        if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            if (value == 0m && value.Scale == 0) writer.WriteRawValue("0", skipInputValidation: true);
            else writer.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
        }
        else
        {
            // Beyond decimal's range: events should not carry such numbers; keep the spelling.
            writer.WriteRawValue(raw, skipInputValidation: true);
        }
    }
}
