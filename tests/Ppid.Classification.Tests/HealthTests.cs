using Ppid.Testing;

namespace Ppid.Classification.Tests;

public sealed class HealthTests(ApiWithRegistry api) : ServiceHealthTests<Program>(api, "/api/v1/classification"), IClassFixture<ApiWithRegistry>;
