using Ppid.Testing;

namespace Ppid.Classification.Tests;

public sealed class ClassificationApi : ServiceFixture<Program>;

public sealed class HealthTests(ClassificationApi api) : ServiceHealthTests<Program>(api, "/api/v1/classification"), IClassFixture<ClassificationApi>;
