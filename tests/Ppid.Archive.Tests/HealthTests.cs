using Ppid.Testing;

namespace Ppid.Archive.Tests;

public sealed class ArchiveApi : ServiceFixture<Program>;

public sealed class HealthTests(ArchiveApi api) : ServiceHealthTests<Program>(api, "/api/v1/archive"), IClassFixture<ArchiveApi>;
