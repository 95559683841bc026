using System.Diagnostics;

namespace Ppid.Deploy.Tests;

/// <summary>The repository the tests run in, found from the test assembly's folder.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    public static string PathOf(string relative) => System.IO.Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Directory.Packages.props"))
                && Directory.Exists(System.IO.Path.Combine(dir.FullName, "deploy")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No repository root (Directory.Packages.props and deploy/) above {AppContext.BaseDirectory}.");
    }
}

public sealed record ToolResult(int ExitCode, string Output, string Error);

/// <summary>Runs the command-line tools the tests use (kubectl, kustomize, docker).</summary>
public static class Tools
{
    public static ToolResult Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // A guard against a hung tool, not a speed assertion.
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within 2 minutes");
        }
        return new ToolResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    public static bool Works(string fileName, params string[] arguments)
    {
        if (Find(fileName) is null) return false;
        try { return Run(fileName, arguments).ExitCode == 0; }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException) { return false; }
    }
}
