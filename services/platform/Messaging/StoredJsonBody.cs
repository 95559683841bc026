using System.Net.Mime;
using System.Text;
using MassTransit;
using MassTransit.Serialization;

namespace Ppid.Platform.Messaging;

/// <summary>
/// Sends an event's stored JSON as the raw message body instead of re-serializing the message
/// object: what the archive receives is exactly what was hashed.
/// </summary>
internal sealed class StoredJsonBody(string json) : IMessageSerializer
{
    public static readonly ContentType JsonContentType = new("application/json");

    public ContentType ContentType => JsonContentType;

    public MessageBody GetMessageBody<T>(SendContext<T> context) where T : class => new BytesMessageBody(Encoding.UTF8.GetBytes(json));
}
