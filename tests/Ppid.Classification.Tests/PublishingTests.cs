using System.Text;
using System.Text.Json;
using Ppid.Testing;
using RabbitMQ.Client;

namespace Ppid.Classification.Tests;

/// <summary>What publication and archive see: the final events on RabbitMQ, as a consumer of another service would.</summary>
public sealed class PublishingTests(ApiWithRegistry api) : IClassFixture<ApiWithRegistry>
{
    [Fact]
    public async Task A_ratified_classification_reaches_the_broker_for_publication_and_archive()
    {
        const string exchange = "classification.classification-ratified.v1";
        var factory = new ConnectionFactory { Uri = api.Vhost.Uri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = (await channel.QueueDeclareAsync()).QueueName; // exclusive, gone with the connection
        await channel.QueueBindAsync(queue, exchange, "");

        var item = await api.RegisterItemAsync();
        var (id, _) = await new Cycle(api).RatifiedAsync(Api.Proposal(item, "serta-merta"));

        JsonElement? received = null;
        await Poll.UntilAsync(async () =>
        {
            // Every message waiting is taken in one check; only a check that found none waits.
            for (var message = await channel.BasicGetAsync(queue, autoAck: true); message is not null; message = await channel.BasicGetAsync(queue, autoAck: true))
            {
                var body = JsonDocument.Parse(Encoding.UTF8.GetString(message.Body.Span)).RootElement.Clone();
                if (body.GetProperty("classificationId").GetGuid() == id) { received = body; return true; }
            }
            return false;
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        received.ShouldNotBeNull("ClassificationRatified never reached RabbitMQ");
        received.Value.GetProperty("category").GetString().ShouldBe("serta-merta");
        received.Value.GetProperty("itemId").GetGuid().ShouldBe(item);
    }
}
