# syntax=docker/dockerfile:1
# The archive image. Build from the repository root (the context needs the shared build files):
#   docker build -f deploy/docker/archive.Dockerfile -t ghcr.io/ppid-suite/archive:0.1.0 .
# The base images' tags are arguments so CI can pin them to a digest.
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
# Restore layer: only the build policy and the project files, so a source change does not
# invalidate the package cache. global.json is left out on purpose: the SDK is the image's.
COPY .editorconfig Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY services/contracts/Ppid.Contracts.csproj services/contracts/
COPY services/platform/Ppid.Platform.csproj services/platform/
COPY services/archive/Ppid.Archive.csproj services/archive/
RUN dotnet restore services/archive/Ppid.Archive.csproj
COPY services/contracts/ services/contracts/
COPY services/platform/ services/platform/
COPY services/archive/ services/archive/
RUN dotnet publish services/archive/Ppid.Archive.csproj -c Release --no-restore -o /app /p:UseAppHost=false

FROM ${DOTNET_RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY deploy/docker/healthcheck.sh /usr/local/bin/ppid-healthcheck
# appsettings.json binds loopback for local runs; unprefixed environment variables override it.
ENV Urls=http://+:8080 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
EXPOSE 8080
# The non-root user the .NET images ship (uid 1654).
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=4s --start-period=30s --retries=5 CMD ["ppid-healthcheck", "/health/ready"]
ENTRYPOINT ["dotnet", "Ppid.Archive.dll"]
