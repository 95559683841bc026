using Ppid.Classification.Classifications;
using Ppid.Classification.Consulting;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Roles = Ppid.Platform.Http.Roles;

namespace Ppid.Classification.Coordinating;

public sealed record MeetingRequest(DateOnly? MeetingDate, IReadOnlyList<string>? Attendees, string? MinutesReference, string? Outcome, string? Notes);

public sealed record RecordMeeting(DateOnly Date, IReadOnlyList<string> Attendees, string MinutesReference, MeetingOutcome Outcome, string? Notes, string ActorId);

/// <summary>Step 5: the coordination meeting of the PPID Pelaksana decides on the item, after a complete consultation.</summary>
public static class MeetingDecider
{
    public static Decision Decide(ClassificationState state, RecordMeeting command, DateTimeOffset now)
    {
        if (state.Status is not (ClassificationStatus.InConsultation or ClassificationStatus.CorrectionRequested))
            return ClassificationCommands.WrongOrder($"The coordination meeting decides on a proposal in consultation; the classification is {Wire.Name(state.Status)}.");
        if (ConsultationDecider.NotReadyForMeeting(state) is { } reason) return ClassificationCommands.WrongOrder(reason);
        return Decision.Accept(new CoordinationMeetingRecorded(state.Id, state.ItemId, command.Date, command.Attendees, command.MinutesReference, command.Outcome,
            command.Notes, command.ActorId, now));
    }
}

public static class MeetingEndpoint
{
    public const int MaxAttendees = 100;

    public static RouteGroupBuilder MapMeeting(this RouteGroupBuilder group)
    {
        group.MapPost("/classifications/{id:guid}/meeting", RecordAsync);
        return group;
    }

    private static async Task<IResult> RecordAsync(Guid id, MeetingRequest body, RequestContext request, HttpContext http, Commands commands, EventStore store,
        TimeProvider clock, CancellationToken ct)
    {
        if (ClassificationCommands.RequireRole(request, "Recording the coordination meeting", Roles.Ppid) is { } forbidden) return forbidden;
        var (ifMatch, bad) = ClassificationCommands.RequireIfMatch(http.Request);
        if (bad is not null) return bad;
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        if (body.MeetingDate is null) errors.Add("meetingDate", "Required.");
        else if (body.MeetingDate > ClassificationCommands.Today(now)) errors.Add("meetingDate", "Must not be in the future: record a meeting that took place.");
        var attendees = new List<string>();
        if (body.Attendees is null || body.Attendees.Count == 0) errors.Add("attendees", "At least one attendee.");
        else if (body.Attendees.Count > MaxAttendees) errors.Add("attendees", $"At most {MaxAttendees}.");
        else
        {
            for (var i = 0; i < body.Attendees.Count; i++)
                if (errors.Required($"attendees[{i}]", body.Attendees[i], 200) is { } name) attendees.Add(name);
        }
        var minutes = errors.Required("minutesReference", body.MinutesReference, 200);
        MeetingOutcome outcome = default;
        if (string.IsNullOrWhiteSpace(body.Outcome)) errors.Add("outcome", "Required: agreed or returned.");
        else if (!Wire.TryParse(body.Outcome, out outcome)) errors.Add("outcome", "Must be agreed or returned.");
        var notes = string.IsNullOrWhiteSpace(body.Notes) ? null : errors.Required("notes", body.Notes, 4000);
        if (outcome == MeetingOutcome.Returned && notes is null && !errors.Any) errors.Add("notes", "Required when returned: what must be corrected.");
        if (errors.Any) return Problems.Invalid(errors);
        var command = new RecordMeeting(body.MeetingDate!.Value, attendees, minutes!, outcome, notes, request.ActorId!);
        return await commands.RunAsync(http, request, body, token => ClassificationCommands.DecideAsync(store, request, id, ifMatch,
            state => Task.FromResult(MeetingDecider.Decide(state, command, now)), token), ct);
    }
}
