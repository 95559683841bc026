using System.Text.RegularExpressions;
using Ppid.Contracts.Registry;
using Ppid.Platform.Calendar;
using Ppid.Platform.Http;

namespace Ppid.Registry.Cycles.TimeStandards;

/// <summary>One step of the tenant's SOP for updating the DIP, with its time standard.</summary>
public sealed record SopStep(string Code, string Name, int Amount, DurationUnit Unit);

public sealed record SopStepRequest(string? Code, string? Name, int? Amount, string? Unit);

public sealed record SopProfileRequest(IReadOnlyList<SopStepRequest>? Steps);

/// <summary>
/// The time standards of a tenant's SOP. Each body sets its own (DOMAIN.md): the default is seed
/// 000's. A cycle's due dates are computed once, when it opens, so later changes to the profile or
/// the calendar apply to cycles opened afterwards.
/// </summary>
public static partial class SopProfile
{
    public const string Collect = "collect";
    public const string Receive = "receive";
    public const string Verify = "verify";
    public const int MaxSteps = 30;
    public const int MaxAmount = 10_000;
    public const int MaxMonths = 120;

    /// <summary>The steps the registry itself carries out; they end when collection closes. The others belong to classification, publication and archive.</summary>
    public static readonly IReadOnlySet<string> RegistrySteps = new HashSet<string>(StringComparer.Ordinal) { Collect, Receive, Verify };

    public static readonly IReadOnlyList<SopStep> Default =
    [
        new(Collect, "Koordinasi dan pengumpulan informasi dari unit kerja", 7, DurationUnit.Days),
        new(Receive, "Penerimaan rancangan DIP (tanda terima)", 1, DurationUnit.Days),
        new(Verify, "Verifikasi kelengkapan dan kesesuaian", 1, DurationUnit.Hours),
        new("classify", "Klasifikasi informasi", 1, DurationUnit.Hours),
        new("meeting", "Rapat koordinasi PPID Pelaksana", 7, DurationUnit.Days),
        new("ratify", "Penetapan oleh Atasan PPID", 7, DurationUnit.Days),
        new("publish", "Publikasi DIP", 1, DurationUnit.Days),
        new("archive", "Pendokumentasian dan pengarsipan DIP", 1, DurationUnit.Days),
    ];

    public static string UnitName(DurationUnit unit) => unit.ToString().ToLowerInvariant();

    /// <summary>The steps' due instants: each step starts when the previous one is due, the first when the cycle opens.</summary>
    public static IReadOnlyList<CycleStep> Schedule(IReadOnlyList<SopStep> steps, WorkingCalendar calendar, DateTimeOffset openedAt)
    {
        var due = openedAt;
        var scheduled = new List<CycleStep>(steps.Count);
        foreach (var step in steps)
        {
            due = calendar.Add(due, step.Amount, step.Unit);
            scheduled.Add(new CycleStep(step.Code, step.Name, due));
        }
        return scheduled;
    }

    public static IReadOnlyList<SopStep>? Validate(SopProfileRequest body, ValidationErrors errors)
    {
        if (body.Steps is null || body.Steps.Count == 0) { errors.Add("steps", "At least one step."); return null; }
        if (body.Steps.Count > MaxSteps) { errors.Add("steps", $"At most {MaxSteps} steps."); return null; }
        var steps = new List<SopStep>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < body.Steps.Count; i++)
        {
            var s = body.Steps[i];
            if (s is null) { errors.Add($"steps[{i}]", "Required."); continue; }
            var code = errors.Required($"steps[{i}].code", s.Code, 50);
            if (code is not null && !Code().IsMatch(code)) { errors.Add($"steps[{i}].code", "Lower-case letters, digits and '-', starting with a letter."); code = null; }
            if (code is not null && !codes.Add(code)) { errors.Add($"steps[{i}].code", $"Step '{code}' appears twice."); code = null; }
            var name = errors.Required($"steps[{i}].name", s.Name, 200);
            if (s.Amount is not { } amount) errors.Add($"steps[{i}].amount", "Required.");
            else if (amount is < 1 or > MaxAmount) errors.Add($"steps[{i}].amount", $"Between 1 and {MaxAmount}.");
            DurationUnit? unit = s.Unit?.Trim() switch
            {
                "minutes" => DurationUnit.Minutes,
                "hours" => DurationUnit.Hours,
                "days" => DurationUnit.Days,
                "months" => DurationUnit.Months,
                _ => null,
            };
            if (unit is null) errors.Add($"steps[{i}].unit", "Must be minutes, hours, days or months.");
            if (unit == DurationUnit.Months && s.Amount is > MaxMonths and <= MaxAmount) { errors.Add($"steps[{i}].amount", $"At most {MaxMonths} months."); unit = null; }
            if (code is not null && name is not null && s.Amount is >= 1 and <= MaxAmount && unit is not null) steps.Add(new SopStep(code, name, s.Amount.Value, unit.Value));
        }
        return errors.Any ? null : steps;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,49}$")]
    private static partial Regex Code();
}
