using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using Ppid.Testing;

namespace Ppid.EndToEnd.Tests;

/// <summary>One span as exported: the process that sent it, its instrumentation scope, ids (hex) and name.</summary>
public sealed record ReceivedSpan(string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// A minimal OTLP/HTTP receiver (http/protobuf) for tests: every process of the suite exports to it,
/// it keeps the spans of <c>POST /v1/traces</c> (an <c>ExportTraceServiceRequest</c>, opentelemetry-proto
/// collector/trace/v1) and the names of the metrics of <c>POST /v1/metrics</c> (<c>ExportMetricsServiceRequest</c>),
/// and answers every other signal with 200. Only the fields the tests look at are decoded, with a protobuf wire-format reader (<see cref="ProtoReader"/>),
/// since Google.Protobuf is not among the suite's packages.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public Uri Endpoint { get; }
    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    /// <summary>(service.name, metric name) of every metric data point batch received.</summary>
    public ConcurrentDictionary<(string Service, string Metric), bool> Metrics { get; } = new();

    public OtlpReceiver()
    {
        var port = ServiceProcess.FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ReceiveAsync);
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            try
            {
                using var body = new MemoryStream();
                var input = string.Equals(context.Request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase)
                    ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress) : context.Request.InputStream;
                await input.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces") Decode(body.ToArray());
                else if (context.Request.Url?.AbsolutePath == "/v1/metrics") DecodeMetrics(body.ToArray());
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }
            catch (FormatException)
            {
                context.Response.StatusCode = 400;
            }
            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private void Decode(byte[] request)
    {
        foreach (var (field, resourceSpans) in new ProtoReader(request).LengthDelimited())
        {
            if (field != 1) continue;
            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            var service = "";
            var scopes = new List<byte[]>();
            foreach (var (f, value) in new ProtoReader(resourceSpans).LengthDelimited())
            {
                if (f == 1) service = Attributes(value, attributeField: 1).GetValueOrDefault("service.name", "");
                else if (f == 2) scopes.Add(value);
            }
            // ScopeSpans { InstrumentationScope scope = 1 { string name = 1; }; repeated Span spans = 2; }
            foreach (var scopeSpans in scopes)
            {
                var scope = "";
                foreach (var (f, value) in new ProtoReader(scopeSpans).LengthDelimited())
                {
                    if (f == 1) scope = new ProtoReader(value).LengthDelimited().Where(x => x.Field == 1).Select(x => Encoding.UTF8.GetString(x.Value)).FirstOrDefault() ?? "";
                    else if (f == 2) Spans.Enqueue(Span(service, scope, value));
                }
            }
        }
    }

    // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }, ResourceMetrics { Resource resource = 1;
    // repeated ScopeMetrics scope_metrics = 2; }, ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }, Metric { string name = 1; }
    private void DecodeMetrics(byte[] request)
    {
        foreach (var (field, resourceMetrics) in new ProtoReader(request).LengthDelimited())
        {
            if (field != 1) continue;
            var service = "";
            var names = new List<string>();
            foreach (var (f, value) in new ProtoReader(resourceMetrics).LengthDelimited())
            {
                if (f == 1) service = Attributes(value, attributeField: 1).GetValueOrDefault("service.name", "");
                else if (f == 2)
                {
                    foreach (var (sf, metric) in new ProtoReader(value).LengthDelimited())
                        if (sf == 2) names.AddRange(new ProtoReader(metric).LengthDelimited().Where(x => x.Field == 1).Select(x => Encoding.UTF8.GetString(x.Value)));
                }
            }
            foreach (var name in names) Metrics[(service, name)] = true;
        }
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; repeated KeyValue attributes = 9; }
    private static ReceivedSpan Span(string service, string scope, byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        foreach (var (f, value) in new ProtoReader(span).LengthDelimited())
        {
            switch (f)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
            }
        }
        return new ReceivedSpan(service, scope, traceId, spanId, parent, name, Attributes(span, attributeField: 9));
    }

    // KeyValue { string key = 1; AnyValue value = 2; }, AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; }
    private static Dictionary<string, string> Attributes(byte[] message, int attributeField)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (f, keyValue) in new ProtoReader(message).LengthDelimited())
        {
            if (f != attributeField) continue;
            string? key = null, text = null;
            foreach (var (kf, kv) in new ProtoReader(keyValue).LengthDelimited())
            {
                if (kf == 1) key = Encoding.UTF8.GetString(kv);
                else if (kf == 2)
                {
                    var any = new ProtoReader(kv);
                    while (any.Next() is { } item)
                    {
                        if (item.Field == 1 && item.Value is byte[] s) text = Encoding.UTF8.GetString(s);
                        else if (item.Field == 3 && item.Value is ulong i) text = ((long)i).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        else if (item.Field == 2 && item.Value is ulong b) text = b != 0 ? "true" : "false";
                    }
                }
            }
            if (key is not null && text is not null) attributes[key] = text;
        }
        return attributes;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}

/// <summary>
/// The protobuf wire format, as far as OTLP needs: each field is a varint key (field number &lt;&lt; 3 |
/// wire type) and a value: 0 varint, 1 eight bytes, 2 length-prefixed bytes, 5 four bytes. Varints
/// and fixed values come back as <see cref="ulong"/>, length-delimited ones as <see cref="byte"/>[].
/// </summary>
public sealed class ProtoReader(byte[] buffer)
{
    private int _position;

    public (int Field, object Value)? Next()
    {
        if (_position >= buffer.Length) return null;
        var key = Varint();
        var field = (int)(key >> 3);
        object value = (key & 7) switch
        {
            0 => Varint(),
            1 => Fixed(8),
            2 => Bytes((int)Varint()),
            5 => Fixed(4),
            var t => throw new FormatException($"Unsupported protobuf wire type {t} at {_position}"),
        };
        return (field, value);
    }

    /// <summary>The length-delimited fields (strings, bytes, embedded messages); the others are skipped.</summary>
    public IEnumerable<(int Field, byte[] Value)> LengthDelimited()
    {
        while (Next() is { } item)
            if (item.Value is byte[] bytes) yield return (item.Field, bytes);
    }

    private ulong Varint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= buffer.Length) throw new FormatException("Truncated varint");
            var b = buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException("Varint longer than 64 bits");
    }

    private ulong Fixed(int size)
    {
        if (_position + size > buffer.Length) throw new FormatException("Truncated fixed value");
        ulong result = 0;
        for (var i = 0; i < size; i++) result |= (ulong)buffer[_position + i] << (8 * i);
        _position += size;
        return result;
    }

    private byte[] Bytes(int length)
    {
        if (length < 0 || _position + length > buffer.Length) throw new FormatException("Truncated length-delimited field");
        var bytes = buffer.AsSpan(_position, length).ToArray();
        _position += length;
        return bytes;
    }
}
