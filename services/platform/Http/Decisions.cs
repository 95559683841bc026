namespace Ppid.Platform.Http;

/// <summary>A refused decision: <see cref="Code"/> is stable (problem type), <see cref="Message"/> says why.</summary>
public sealed record DomainError(string Code, string Message);

/// <summary>What a decider returns: the events to append, or why not.</summary>
public sealed record Decision(IReadOnlyList<object> Events, DomainError? Error)
{
    public static Decision Accept(params object[] events) => new(events, null);

    public static Decision Refuse(string code, string message) => new([], new DomainError(code, message));

    public bool Refused => Error is not null;
}

/// <summary>Collects errors per field (JSON path as the client wrote it), for RFC 9457 validation problems.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    public string? Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) { Add(field, "Required."); return null; }
        var trimmed = value.Trim();
        if (trimmed.Length > maxLength) { Add(field, $"At most {maxLength} characters."); return null; }
        return trimmed;
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
