using Ppid.Testing;

namespace Ppid.Publication.Tests;

public sealed class PublicationApi : ServiceFixture<Program>;

public sealed class HealthTests(PublicationApi api) : ServiceHealthTests<Program>(api, "/api/v1/publication"), IClassFixture<PublicationApi>;
