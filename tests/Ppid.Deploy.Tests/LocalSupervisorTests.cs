using System.Diagnostics;
using System.Runtime.Versioning;
using Ppid.Testing;

namespace Ppid.Deploy.Tests;

/// <summary>
/// The supervisor of <c>deploy/local/suite.sh</c> (<c>suite.sh supervise NAME DLL</c>), run with a stand-in
/// <c>dotnet</c> first on PATH: the restart rule is the script's, so it is tested without the services.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LocalSupervisorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ppid-supervise-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_service_that_exits_with_70_is_started_again_and_SIGTERM_stops_it_through_its_supervisor()
    {
        using var supervisor = StartSupervisor(exitCodes: [70]);
        (await Poll.UntilAsync(() => Task.FromResult(Starts() == 2), TimeSpan.FromSeconds(30))).ShouldBeTrue($"started again after exit code 70: {Calls()}");
        Calls().ShouldContain("start 1 /"); // the service's dll and --urls are passed on
        Calls().ShouldContain("--urls http://127.0.0.1:");
        File.ReadAllText(Path.Combine(_dir, "run", "logs", "registry.log")).ShouldContain("exited with code 70");

        Tools.Run("kill", ["-TERM", supervisor.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExitCode.ShouldBe(0);
        supervisor.WaitForExit(TimeSpan.FromSeconds(30)).ShouldBeTrue("the supervisor ends once its service has stopped");
        supervisor.ExitCode.ShouldBe(0);
        Calls().ShouldContain("stopped by TERM"); // SIGTERM reached the service
        Starts().ShouldBe(2);
    }

    [Fact]
    public void Any_other_exit_code_ends_the_supervisor_with_that_code_and_no_restart()
    {
        using var supervisor = StartSupervisor(exitCodes: [3]);
        supervisor.WaitForExit(TimeSpan.FromSeconds(30)).ShouldBeTrue();
        supervisor.ExitCode.ShouldBe(3);
        Starts().ShouldBe(1);
    }

    /// <summary>
    /// Runs <c>suite.sh supervise registry DLL</c> with a stand-in <c>dotnet</c> that exits with
    /// <paramref name="exitCodes"/> at its first starts, then runs until SIGTERM.
    /// </summary>
    private Process StartSupervisor(int[] exitCodes)
    {
        var fake = Path.Combine(_dir, "dotnet");
        File.WriteAllText(fake, $$"""
            #!/usr/bin/env bash
            n=$(( $(cat '{{_dir}}/starts' 2>/dev/null || echo 0) + 1 ))
            echo "$n" > '{{_dir}}/starts'
            echo "start $n $*" >> '{{_dir}}/calls'
            codes=({{string.Join(' ', exitCodes)}})
            if [ "$n" -le "${#codes[@]}" ]; then exit "${codes[$((n - 1))]}"; fi
            trap 'echo "stopped by TERM" >> "{{_dir}}/calls"; exit 0' TERM
            while :; do sleep 0.1; done
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Repo.PathOf("deploy/local/suite.sh"), "supervise", "registry", Path.Combine(_dir, "Ppid.Registry.dll") })
            start.ArgumentList.Add(argument);
        start.Environment["PATH"] = _dir + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["PPID_RUN_DIR"] = Path.Combine(_dir, "run");
        return Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
    }

    private int Starts() => File.Exists(Path.Combine(_dir, "starts")) ? int.Parse(File.ReadAllText(Path.Combine(_dir, "starts")).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;

    private string Calls() => File.Exists(Path.Combine(_dir, "calls")) ? File.ReadAllText(Path.Combine(_dir, "calls")) : "";
}
